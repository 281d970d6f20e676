// Every visible string of the desk screen, in Chinese (the default) and English.
const strings = {
  'zh-CN': {
    'app.title': '物业监控中心',
    'app.subtitle': 'RedProperty 社区安全值守',
    'lang.switch': 'English',
    'auth.username': '用户名',
    'auth.password': '密码',
    'auth.login': '登录',
    'auth.loggingIn': '正在登录…',
    'auth.logout': '退出登录',
    'auth.refused': '用户名或密码错误。',
    'auth.throttled': '尝试次数过多，请 {s} 秒后再试。',
    'auth.missing': '请输入用户名和密码。',
    'auth.expired': '登录已过期，请重新登录。',
    'auth.loggedOut': '已退出登录。',
    'auth.failed': '无法连接监控主机，请稍后再试。',
    'role.viewer': '值班查看', 'role.operator': '值班员', 'role.supervisor': '主管',
    'filter.site': '小区', 'filter.zone': '区域', 'filter.kind': '设备类型', 'filter.severity': '级别',
    'filter.state': '状态', 'filter.search': '搜索', 'filter.searchHint': '设备编号或位置', 'filter.clear': '清除筛选',
    'filter.all': '全部', 'filter.open': '未处理（全部）',
    'board.title': '实时告警', 'board.empty': '当前没有符合条件的告警', 'board.count': '{n} 条',
    'devices.title': '设备状态', 'devices.online': '在线 {on}/{all}', 'devices.offlineList': '离线设备',
    'devices.noneOffline': '全部在线', 'devices.elevators': '电梯', 'devices.trends': '近 15 分钟',
    'devices.floor': '{n} 层', 'devices.doorOpen': '门开', 'devices.doorClosed': '门关', 'devices.running': '运行中',
    'devices.idle': '停靠', 'devices.occupied': '有人', 'devices.empty': '无人', 'devices.fault': '故障 {code}',
    'devices.noData': '暂无数据', 'devices.count': '{n} 台', 'devices.since': '自 {t}',
    'summary.critical': '紧急', 'summary.major': '重要', 'summary.minor': '一般', 'summary.overdue': '超时未响应',
    'summary.devicesOnline': '设备在线',
    'kind.camera': '摄像头', 'kind.light': '照明', 'kind.elevator': '电梯', 'kind.charger': '充电监测', 'kind.edge': '监控箱', 'kind.resident': '居民',
    'type.flying_wire_charging': '飞线充电', 'type.charger_overheat': '充电过热/冒烟', 'type.broken_light': '灯具故障',
    'type.elevator_fault': '电梯故障', 'type.elevator_entrapment': '电梯困人', 'type.ebike_in_elevator': '电动车进电梯',
    'type.camera_tamper': '摄像头遮挡/破坏', 'type.device_offline': '设备离线',
    'type.camera_stream_down': '摄像头无画面', 'type.edge_tamper': '监控箱被打开', 'type.panic_button': '紧急按钮', 'type.resident_report': '居民报事',
    'severity.critical': '紧急', 'severity.major': '重要', 'severity.minor': '一般',
    'state.active': '待响应', 'state.acknowledged': '已响应', 'state.resolved': '已处理',
    'status.online': '在线', 'status.offline': '离线', 'status.unknown': '未知',
    'sla.ack': '响应剩余 {t}', 'sla.ackOverdue': '响应超时 {t}', 'sla.arrive': '到场剩余 {t}', 'sla.arriveOverdue': '到场超时 {t}',
    'sla.ackedBy': '{who} 已响应', 'sla.resolvedBy': '{who} 已处理',
    'sla.onTheWay': '{who} 在路上 · 到场剩余 {t}', 'sla.onSite': '{who} 已到场',
    'alert.count': '{n} 次', 'alert.lastSeen': '最近 {t}', 'alert.raisedAt': '发生 {t}',
    'alert.assignedTo': '派给 {who}', 'alert.unassigned': '未派单',
    'details.assignedTo': '派给', 'details.reassignTo': '改派给…', 'action.reassign': '改派',
    'details.workerOnDuty': '{who}（在岗，{n} 条未结）', 'details.workerOffDuty': '{who}（不在岗，{n} 条未结）',
    'toast.reassigned': '{what} 已改派给 {who}', 'trail.assigned': '派单',
    'action.acknowledge': '响应', 'action.resolve': '处理完成', 'action.details': '详情', 'action.close': '关闭', 'action.cancel': '取消',
    'resolve.title': '处理完成', 'resolve.noteLabel': '处理说明（必填）', 'resolve.noteHint': '例如：已到场拔除飞线，通知住户',
    'resolve.noteRequired': '请填写处理说明。',
    'resolve.reading': '设备最新读数（{t}）', 'resolve.noReading': '暂无设备读数',
    'resolve.stillPresent': '告警条件仍然存在：处理完成后，设备下一次上报时此告警会再次出现。',
    'state.conditionCleared': '现场已恢复，待人员确认', 'state.reopenedAfterResolve': '{who} 处理后再次告警',
    'trail.condition_cleared': '现场已恢复（待人员确认）', 'trail.condition_returned': '告警条件再次出现', 'trail.staff_required': '须人员到场处理',
    'reading.currentA': '电流', 'reading.voltageV': '电压', 'reading.powerW': '功率', 'reading.tempC': '温度', 'reading.plugged': '已插充电枪',
    'reading.smoke': '烟雾', 'reading.circuit': '回路', 'reading.on': '开灯', 'reading.lux': '照度', 'reading.floor': '楼层', 'reading.doorOpen': '门开',
    'reading.running': '运行', 'reading.occupied': '有人', 'reading.fault': '故障', 'reading.speedMps': '速度', 'reading.online': '在线',
    'reading.motion': '移动', 'reading.persons': '人数', 'reading.ebike': '电动车', 'reading.tamper': '遮挡/破坏', 'reading.fps': '帧率',
    'reading.yes': '是', 'reading.no': '否', 'reading.none': '无',
    'reading.circuit.corridor': '楼道', 'reading.circuit.stairwell': '楼梯间', 'reading.circuit.parking': '车位', 'reading.circuit.station': '充电桩',
    'details.device': '设备', 'details.location': '位置', 'details.zone': '区域', 'details.place': '场所', 'details.site': '小区',
    'details.type': '类型', 'details.severity': '级别', 'details.state': '状态', 'details.raisedAt': '发生时间',
    'details.lastSeen': '最近发生', 'details.count': '次数', 'details.message': '设备信息', 'details.note': '处理说明',
    'details.trail': '处理记录', 'details.snapshot': '现场抓拍与录像',
    'edges.silentSince': '边缘网关 {edge}（{sites}）自 {at} 起无消息', 'edges.neverHeard': '边缘网关 {edge}（{sites}）尚未上报',
    'edges.heard': '{edge}（{sites}）{at} · 待传 {n} 条',
    'details.photos': '现场照片', 'details.residentPhoto': '居民上传的照片', 'details.resolvePhoto': '处理时拍的照片', 'details.residents': '居民报事',
    'details.residentPhone': '电话 {phone}', 'resident.light_out': '灯不亮', 'resident.elevator': '电梯故障', 'resident.flying_wire': '飞线充电 / 走廊电线',
    'resident.smoke': '冒烟或焦味', 'resident.other': '其他', 'details.escalations': '升级', 'details.loading': '正在加载…',
    'details.ackDue': '响应时限', 'details.arriveDue': '到场时限',
    'trail.raised': '告警产生', 'trail.repeated': '再次触发', 'trail.acknowledged': '已响应', 'trail.resolved': '已处理',
    'trail.on_the_way': '在路上', 'trail.arrived': '已到场',
    'trail.cleared': '自动恢复', 'trail.reopened': '重新打开', 'trail.escalated': '已升级', 'trail.severity_changed': '级别变更',
    'trail.system': '系统',
    'escalation.not_acknowledged': '15 分钟内未响应', 'escalation.not_on_site': '30 分钟内无人到场', 'escalation.not_resolved': '30 分钟内未处置（旧口径）',
    'badge.escalated': '已升级',
    'wall.on': '墙屏模式', 'wall.off': '退出墙屏', 'wall.problems': '异常设备', 'wall.allWell': '设备全部正常',
    'wall.moreAlerts': '另有 {n} 条告警，屏幕放不下', 'wall.moreDevices': '另有 {n} 台异常设备，屏幕放不下',
    'conn.connecting': '正在连接…', 'conn.live': '实时连接', 'conn.reconnecting': '连接中断，正在重连（第 {n} 次）…',
    'conn.offline': '已断开', 'conn.lastUpdate': '更新于 {t}',
    'sound.on': '提示音：开', 'sound.off': '提示音：关', 'sound.blocked': '点击启用提示音',
    'error.action': '操作失败：{detail}', 'error.conflict': '该告警状态已变化，请刷新后重试。',
    'error.forbidden': '当前账号无权执行此操作。', 'error.network': '网络错误，请重试。',
    'command.pending': '{action}（{who}，{t}）已发往边缘网关，等待执行',
    'command.refused': '边缘网关未执行{action}（{who}）：{why}',
    'command.action.ack': '响应', 'command.action.resolve': '处理完成', 'command.action.assign': '改派',
    'command.action.on-the-way': '出发', 'command.action.arrive': '到场确认', 'command.action.arrive-sticker': '扫码到场',
    'toast.sentDown': '{action}已发往边缘网关，网关恢复后执行',
    'toast.acknowledged': '已响应：{what}', 'toast.resolved': '已处理：{what}', 'toast.newCritical': '紧急告警：{what}',
    'time.minutesSeconds': '{m}分{s}秒', 'time.hoursMinutes': '{h}小时{m}分',
    'nav.reports': '服务质量报告', 'nav.desk': '返回值守台',
    'field.title': '我的告警', 'field.mine': '派给我的', 'field.zones': '我的网格', 'field.noneMine': '没有派给你的告警。',
    'field.noneZones': '你的网格里没有其他未处理告警。', 'field.respond': '响应', 'field.onMyWay': '我在路上', 'field.resolve': '已处理',
    'field.resolveTitle': '处理结果', 'field.resolveNote': '做了什么（必填）', 'field.cancel': '取消', 'field.onDuty': '在岗',
    'field.offDuty': '不在岗', 'field.queued': '{n} 个操作待网络恢复后发送', 'field.failed': '操作失败，请重试。',
    'field.arrived': '已到场（扫场所码）', 'field.scanUnsupported': '此浏览器不能在页面内扫码：请用手机相机扫描场所的小二维码，会打开签到页。',
    'field.scanNone': '照片里没有找到场所的签到码，请对准小二维码再拍一次。', 'field.escalatedNotice': '升级：{place} 的{type}，{reason}',
    'field.photo': '拍照留证（选填）', 'field.photoUnreadable': '照片无法读取，已只提交处理结果。', 'field.storageFull': '手机存储已满：待发送的操作仅在本页面打开时发送。',
    'field.residentPhoto': '居民上传的照片', 'field.callBack': '回拨居民 {phone}', 'field.phoneMasked': '居民电话 {phone}（派单人员可见完整号码）',
    'arrive.loading': '正在读取场所…', 'arrive.none': '此场所没有待处理的告警。', 'arrive.button': '我已到场',
    'arrive.refused': '无法识别此二维码', 'arrive.failed': '签到失败，请重试。', 'arrive.waiting': '待响应',
    'arrive.onTheWayBy': '{who} 在路上', 'arrive.elsewhere': '派给你，但不在此处：在 {place}', 'arrive.arrivedBy': '{who} 已到场（{at}）',
    'nav.staff': '账号管理',
    'staff.title': '账号管理', 'staff.accounts': '员工账号', 'staff.count': '{n} 个', 'staff.new': '新建账号',
    'staff.col.username': '用户名', 'staff.col.name': '姓名', 'staff.col.role': '角色', 'staff.col.sites': '小区',
    'staff.col.status': '状态', 'staff.col.lastLogin': '最近登录', 'staff.col.actions': '操作',
    'staff.enabled': '正常', 'staff.disabled': '已停用', 'staff.self': '本人', 'staff.allSites': '全部小区', 'staff.company': '{name}（全部小区）', 'staff.never': '从未登录',
    'staff.edit': '修改', 'staff.setPassword': '重置密码', 'staff.disable': '停用', 'staff.enable': '启用', 'staff.audit': '记录',
    'staff.newTitle': '新建账号', 'staff.editTitle': '修改账号 {user}', 'staff.initialPassword': '初始密码（至少 10 位）', 'staff.save': '保存',
    'staff.resetTitle': '为 {user} 设置新密码', 'staff.resetHint': '该账号的所有登录将立即退出。', 'staff.newPassword': '新密码（至少 10 位）',
    'staff.auditTitle': '{user} 的变更记录', 'staff.audit.by': '操作人 {who}',
    'staff.audit.created': '创建账号', 'staff.audit.role': '角色变更', 'staff.audit.sites': '小区变更', 'staff.audit.disabled': '停用',
    'staff.audit.enabled': '启用', 'staff.audit.password': '密码变更', 'staff.audit.display_name': '姓名变更',
    'staff.own': '修改我的密码', 'staff.current': '当前密码', 'staff.repeat': '再次输入新密码', 'staff.changePassword': '修改密码',
    'staff.mismatch': '两次输入的新密码不一致。', 'staff.changed': '密码已修改，其他设备上的登录已退出。',
    'staff.saved': '已保存：{user}', 'staff.created': '已创建：{user}', 'staff.passwordSet': '已为 {user} 设置新密码，其登录已全部退出。',
    'staff.disabledToast': '已停用 {user}，其登录已全部退出。', 'staff.enabledToast': '已启用 {user}',
    'staff.supervisorsOnly': '只有主管可以管理账号；您可以在下方修改自己的密码。', 'staff.error': '操作失败：{detail}',
    'staff.err.username': '用户名为 1–64 个字符，前后不能有空格。', 'staff.err.password': '密码至少 10 位。', 'staff.err.newPassword': '新密码至少 10 位。',
    'staff.err.currentPassword': '当前密码不正确。', 'staff.err.sites': '请至少选择一个小区。', 'staff.err.role': '请选择角色。',
    'staff.err.displayName': '姓名最多 64 个字符。', 'staff.err.forbidden': '您无权授予或修改超出自己角色和小区范围的账号。',
    'staff.err.taken': '该用户名已被使用。', 'staff.err.lastSupervisor': '这是最后一个管理全部小区的主管，不能停用或降级。',
    'report.title': '服务质量月报', 'report.site': '小区', 'report.month': '月份', 'report.csv': '导出 CSV', 'report.print': '打印 / 存为 PDF',
    'report.loading': '正在计算…', 'report.supervisorsOnly': '服务质量报告只对主管开放。', 'report.failed': '报告加载失败：{detail}',
    'report.heading': '{site} · {month} 服务质量报告', 'report.period': '统计期间 {from} 至 {to}（{tz}）',
    'report.snapshot': '月度快照已于 {at} 存档并发布到 {topic}（SHA-256 {sha}…），数据为最终结果。',
    'report.snapshotJson': '下载快照 JSON',
    'report.snapshotPending': '本月已结束，月度快照尚未存档：每月 1 日凌晨自动存档并发布上月报告。',
    'report.snapshotStored': '月度快照已于 {at} 存档，等待发布到 {topic}。',
    'report.soFar': '本月尚未结束：以下为截至 {at} 的数据。时限未到的告警计为“未到期”，既不算达标也不算超时。',
    'report.noRecords': '无记录：监控主机的记录始于 {since}，本月没有可统计的数据，不计分、不参与排名。',
    'report.noRecordsNoDevices': '无记录：该小区没有登记设备，不计分、不参与排名。',
    'report.kpi.rankSoFar': '暂列第 {rank} / {of} 名', 'report.kpi.pending': '{n} 项未到期', 'report.kpi.openNow': '当前未处理',
    'report.kpi.clearedUnattended': '无人响应即恢复', 'report.kpi.clearedUnattendedSub': '有人响应前已自行恢复，不计入响应与处置',
    'report.ranking.soFar': '（本月尚未结束，截至 {at}）', 'report.ranking.noRecords': '无记录、未排名：{sites}',
    'report.generated': '由 RedProperty 监控主机生成于 {at}', 'report.rules': '统计规则：告警计入首次发生的月份；持续时间（熄灯、停梯、摄像头离线）按本期内的时长计算；期末仍未处理的告警计为“期末未处理”；未结束的月份按截至当前的数据计算，时限未到的计为“未到期”；有人响应前已自行恢复的告警计为“无人响应即恢复”，不计入响应、处置时长和到场处置率。',
    'report.kpi.score': '综合得分', 'report.kpi.rank': '第 {rank} / {of} 名', 'report.kpi.trend': '较上月 {delta}', 'report.kpi.noTrend': '上月无数据',
    'report.kpi.responseSla': '15 分钟内响应率', 'report.kpi.onSiteSla': '紧急告警 30 分钟内到场率', 'report.kpi.resolvedSla': '紧急告警 30 分钟内处置率', 'report.kpi.olderMeasure': '旧口径：按处置时间计', 'report.kpi.mtArrive': '平均到场时长', 'report.kpi.mtta': '平均响应时长', 'report.kpi.mttr': '平均处置时长',
    'report.kpi.p90': 'P90 {v}', 'report.kpi.raised': '告警总数', 'report.kpi.escalations': '升级次数', 'report.kpi.openAtEnd': '期末未处理',
    'report.kpi.cameras': '摄像头可用率（无盲区）', 'report.kpi.lampDays': '熄灯灯具·天',
    'report.chart.byType': '告警类型分布', 'report.chart.bySeverity': '告警级别', 'report.chart.parts': '得分构成', 'report.chart.ranking': '各小区得分排名',
    'report.chart.trend': '近六个月得分走势', 'report.chart.cameras': '摄像头可用率', 'report.chart.elevators': '电梯停运时长（分钟）', 'report.chart.flyingWire': '飞线充电（按区域）',
    'report.part.responseSla': '响应及时', 'report.part.onSiteSla': '到场及时', 'report.part.cameraAvailability': '摄像头可用', 'report.part.deviceAvailability': '设备在线',
    'report.part.lampRepair': '灯具维修', 'report.part.flyingWire': '飞线治理',
    'report.table.ranking': '红黑榜', 'report.table.rank': '名次', 'report.table.site': '小区', 'report.table.score': '得分', 'report.table.trend': '较上月',
    'report.table.list': '榜单', 'report.list.red': '红榜', 'report.list.black': '黑榜',
    'report.table.lighting': '照明', 'report.table.outages': '灯具故障次数', 'report.table.lampDaysDark': '熄灯灯具·天', 'report.table.medianRepair': '维修天数中位数',
    'report.table.elevators': '电梯', 'report.table.car': '电梯', 'report.table.downtime': '停运（分钟）', 'report.table.entrapments': '困人次数', 'report.table.release': '平均解困时长（分钟）',
    'report.table.companies': '物业企业排名（所辖小区得分平均）', 'report.table.company': '物业企业', 'report.table.compounds': '小区',
    'report.table.residents': '居民报事（按类别）', 'report.table.residentPlaces': '居民报事（按场所）', 'report.table.category': '类别',
    'report.table.residentReports': '报事人次', 'report.table.residentJobs': '工单', 'report.table.toRespond': '平均响应（分钟）',
    'report.table.toArrive': '平均到场（分钟）', 'report.table.onSiteShare': '30 分钟内到场', 'report.table.place': '场所', 'report.table.total': '合计',
    'report.timesReported': '本月 {n} 次',
    'report.table.charging': '充电安全', 'report.table.zone': '区域', 'report.table.incidents': '飞线次数', 'report.table.repeat': '重复发生', 'report.table.overheat': '过热/冒烟事件',
    'report.table.cameras': '摄像头', 'report.table.camera': '摄像头', 'report.table.availability': '可用率',
    'report.table.devices': '设备在线率', 'report.table.kind': '设备类型',
    'report.table.zones': '各区域', 'report.zones.quiet': '其余 {n} 个区域本月无告警、无停运。',
    'report.none': '无', 'report.yes': '是', 'report.minutes': '{v} 分钟', 'report.days': '{v} 天',
  },
  en: {
    'app.title': 'Property Monitoring Desk',
    'app.subtitle': 'RedProperty compound safety',
    'lang.switch': '中文',
    'auth.username': 'User name',
    'auth.password': 'Password',
    'auth.login': 'Sign in',
    'auth.loggingIn': 'Signing in…',
    'auth.logout': 'Sign out',
    'auth.refused': 'Wrong user name or password.',
    'auth.throttled': 'Too many attempts. Try again in {s} s.',
    'auth.missing': 'Enter your user name and password.',
    'auth.expired': 'Your session has expired. Please sign in again.',
    'auth.loggedOut': 'You have signed out.',
    'auth.failed': 'Cannot reach the hub. Try again shortly.',
    'role.viewer': 'Viewer', 'role.operator': 'Operator', 'role.supervisor': 'Supervisor',
    'filter.site': 'Site', 'filter.zone': 'Zone', 'filter.kind': 'Device kind', 'filter.severity': 'Severity',
    'filter.state': 'State', 'filter.search': 'Search', 'filter.searchHint': 'Device id or location', 'filter.clear': 'Clear filters',
    'filter.all': 'All', 'filter.open': 'Open (all)',
    'board.title': 'Live alerts', 'board.empty': 'No alerts match', 'board.count': '{n}',
    'devices.title': 'Devices', 'devices.online': '{on}/{all} online', 'devices.offlineList': 'Offline devices',
    'devices.noneOffline': 'All online', 'devices.elevators': 'Elevators', 'devices.trends': 'Last 15 minutes',
    'devices.floor': 'Floor {n}', 'devices.doorOpen': 'Door open', 'devices.doorClosed': 'Door closed', 'devices.running': 'Running',
    'devices.idle': 'Stopped', 'devices.occupied': 'Occupied', 'devices.empty': 'Empty', 'devices.fault': 'Fault {code}',
    'devices.noData': 'No data yet', 'devices.count': '{n} devices', 'devices.since': 'since {t}',
    'summary.critical': 'Critical', 'summary.major': 'Major', 'summary.minor': 'Minor', 'summary.overdue': 'Response overdue',
    'summary.devicesOnline': 'Devices online',
    'kind.camera': 'Camera', 'kind.light': 'Light', 'kind.elevator': 'Elevator', 'kind.charger': 'Charging monitor', 'kind.edge': 'Edge box', 'kind.resident': 'Resident',
    'type.flying_wire_charging': 'Flying-wire charging', 'type.charger_overheat': 'Charger overheating / smoke', 'type.broken_light': 'Broken light',
    'type.elevator_fault': 'Elevator fault', 'type.elevator_entrapment': 'Elevator entrapment', 'type.ebike_in_elevator': 'E-bike in elevator',
    'type.camera_tamper': 'Camera tampered', 'type.device_offline': 'Device offline',
    'type.camera_stream_down': 'Camera stream down', 'type.edge_tamper': 'Edge box opened', 'type.panic_button': 'Panic button', 'type.resident_report': 'Resident report',
    'severity.critical': 'Critical', 'severity.major': 'Major', 'severity.minor': 'Minor',
    'state.active': 'Awaiting response', 'state.acknowledged': 'Responded', 'state.resolved': 'Resolved',
    'status.online': 'Online', 'status.offline': 'Offline', 'status.unknown': 'Unknown',
    'sla.ack': '{t} left to respond', 'sla.ackOverdue': 'Response overdue {t}', 'sla.arrive': '{t} left to be on site', 'sla.arriveOverdue': 'On site overdue {t}',
    'sla.ackedBy': 'Responded: {who}', 'sla.resolvedBy': 'Resolved: {who}',
    'sla.onTheWay': '{who} on the way · {t} left', 'sla.onSite': 'On site: {who}',
    'alert.count': '×{n}', 'alert.lastSeen': 'last {t}', 'alert.raisedAt': 'raised {t}',
    'alert.assignedTo': 'Assigned to {who}', 'alert.unassigned': 'Not assigned',
    'details.assignedTo': 'Assigned to', 'details.reassignTo': 'Reassign to…', 'action.reassign': 'Reassign',
    'details.workerOnDuty': '{who} (on duty, {n} open)', 'details.workerOffDuty': '{who} (off duty, {n} open)',
    'toast.reassigned': '{what} reassigned to {who}', 'trail.assigned': 'Assigned',
    'action.acknowledge': 'Respond', 'action.resolve': 'Resolve', 'action.details': 'Details', 'action.close': 'Close', 'action.cancel': 'Cancel',
    'resolve.title': 'Resolve alert', 'resolve.noteLabel': 'What was done (required)', 'resolve.noteHint': 'e.g. on site, flying wire removed, resident told',
    'resolve.noteRequired': 'Please say what was done.',
    'resolve.reading': 'Latest reading ({t})', 'resolve.noReading': 'No reading from the device yet',
    'resolve.stillPresent': 'The condition is still present: after you resolve it, the alert comes back with the device\'s next reading.',
    'state.conditionCleared': 'Condition cleared, awaiting staff', 'state.reopenedAfterResolve': 'Reopened after resolve by {who}',
    'trail.condition_cleared': 'Condition cleared (awaiting staff)', 'trail.condition_returned': 'Condition back', 'trail.staff_required': 'Needs a person on site',
    'reading.currentA': 'Current', 'reading.voltageV': 'Voltage', 'reading.powerW': 'Power', 'reading.tempC': 'Temperature', 'reading.plugged': 'Plugged in',
    'reading.smoke': 'Smoke', 'reading.circuit': 'Circuit', 'reading.on': 'Switched on', 'reading.lux': 'Light', 'reading.floor': 'Floor', 'reading.doorOpen': 'Door open',
    'reading.running': 'Running', 'reading.occupied': 'Occupied', 'reading.fault': 'Fault', 'reading.speedMps': 'Speed', 'reading.online': 'Online',
    'reading.motion': 'Motion', 'reading.persons': 'People', 'reading.ebike': 'E-bike', 'reading.tamper': 'Tampered', 'reading.fps': 'Frame rate',
    'reading.yes': 'yes', 'reading.no': 'no', 'reading.none': 'none',
    'reading.circuit.corridor': 'corridor', 'reading.circuit.stairwell': 'stairwell', 'reading.circuit.parking': 'parking space', 'reading.circuit.station': 'charging station',
    'details.device': 'Device', 'details.location': 'Location', 'details.zone': 'Zone', 'details.place': 'Place', 'details.site': 'Site',
    'details.type': 'Type', 'details.severity': 'Severity', 'details.state': 'State', 'details.raisedAt': 'Raised',
    'details.lastSeen': 'Last seen', 'details.count': 'Count', 'details.message': 'Device detail', 'details.note': 'Resolution note',
    'details.trail': 'Audit trail', 'details.snapshot': 'Camera snapshot and clip',
    'edges.silentSince': 'Edge hub {edge} ({sites}) silent since {at}', 'edges.neverHeard': 'Edge hub {edge} ({sites}) has not reported yet',
    'edges.heard': '{edge} ({sites}) {at} · {n} behind',
    'details.photos': 'Photos from the scene', 'details.residentPhoto': 'Photo from the resident', 'details.resolvePhoto': 'Photo taken when resolving', 'details.residents': 'Residents\' reports',
    'details.residentPhone': 'phone {phone}', 'resident.light_out': 'Light out', 'resident.elevator': 'Elevator', 'resident.flying_wire': 'Flying-wire charging / cable in the corridor',
    'resident.smoke': 'Smoke or smell', 'resident.other': 'Other', 'details.escalations': 'Escalations', 'details.loading': 'Loading…',
    'details.ackDue': 'Respond by', 'details.arriveDue': 'On site by',
    'trail.raised': 'Raised', 'trail.repeated': 'Fired again', 'trail.acknowledged': 'Responded', 'trail.resolved': 'Resolved',
    'trail.on_the_way': 'On the way', 'trail.arrived': 'On site',
    'trail.cleared': 'Cleared by itself', 'trail.reopened': 'Reopened', 'trail.escalated': 'Escalated', 'trail.severity_changed': 'Severity changed',
    'trail.system': 'system',
    'escalation.not_acknowledged': 'Not responded within 15 minutes', 'escalation.not_on_site': 'Nobody on site within 30 minutes', 'escalation.not_resolved': 'Not resolved within 30 minutes (older measure)',
    'badge.escalated': 'Escalated',
    'wall.on': 'Wall mode', 'wall.off': 'Leave wall mode', 'wall.problems': 'Devices in trouble', 'wall.allWell': 'All devices working',
    'wall.moreAlerts': '{n} more alerts do not fit', 'wall.moreDevices': '{n} more devices in trouble do not fit',
    'conn.connecting': 'Connecting…', 'conn.live': 'Live', 'conn.reconnecting': 'Connection lost, reconnecting (attempt {n})…',
    'conn.offline': 'Disconnected', 'conn.lastUpdate': 'updated {t}',
    'sound.on': 'Sound on', 'sound.off': 'Sound off', 'sound.blocked': 'Click to enable sound',
    'error.action': 'Failed: {detail}', 'error.conflict': 'The alert has changed meanwhile; try again.',
    'error.forbidden': 'Your account may not do this.', 'error.network': 'Network error, try again.',
    'command.pending': '{action} by {who} ({t}) sent to the edge hub, waiting',
    'command.refused': 'The edge hub did not {action} (by {who}): {why}',
    'command.action.ack': 'respond', 'command.action.resolve': 'resolve', 'command.action.assign': 'reassign',
    'command.action.on-the-way': 'set out', 'command.action.arrive': 'confirm arrival', 'command.action.arrive-sticker': 'arrive by sticker',
    'toast.sentDown': 'Sent to the edge hub: {action}; carried out when it is back',
    'toast.acknowledged': 'Responded: {what}', 'toast.resolved': 'Resolved: {what}', 'toast.newCritical': 'Critical alert: {what}',
    'time.minutesSeconds': '{m}m {s}s', 'time.hoursMinutes': '{h}h {m}m',
    'nav.reports': 'Service reports', 'nav.desk': 'Back to the desk',
    'field.title': 'My alerts', 'field.mine': 'Assigned to me', 'field.zones': 'My zones', 'field.noneMine': 'Nothing assigned to you.',
    'field.noneZones': 'No other open alert in your zones.', 'field.respond': 'Respond', 'field.onMyWay': 'On my way', 'field.resolve': 'Resolved',
    'field.resolveTitle': 'What was done', 'field.resolveNote': 'What you did (required)', 'field.cancel': 'Cancel', 'field.onDuty': 'On duty',
    'field.offDuty': 'Off duty', 'field.queued': '{n} action(s) waiting for the connection', 'field.failed': 'That did not work; try again.',
    'field.arrived': 'Arrived (scan the sticker)', 'field.scanUnsupported': 'This browser cannot read codes in the page: scan the place\'s small QR code with the phone\'s camera app, which opens the arrival page.',
    'field.scanNone': 'No arrival code found in the photo; aim at the small QR code and take it again.', 'field.escalatedNotice': 'Escalated: {type} at {place}, {reason}',
    'field.photo': 'Photo as evidence (optional)', 'field.photoUnreadable': 'The photo could not be read; only the note was sent.', 'field.storageFull': 'The phone\'s storage is full: queued actions are sent only while this page stays open.',
    'field.residentPhoto': 'Photo from the resident', 'field.callBack': 'Call the resident back: {phone}', 'field.phoneMasked': 'Resident\'s number {phone} (whole for the assigned worker)',
    'arrive.loading': 'Reading the place…', 'arrive.none': 'No open alert at this place.', 'arrive.button': "I'm here",
    'arrive.refused': 'Sticker not recognised', 'arrive.failed': 'Could not record the arrival; try again.', 'arrive.waiting': 'Waiting for a response',
    'arrive.onTheWayBy': '{who} on the way', 'arrive.elsewhere': 'Assigned to you, but not here: at {place}', 'arrive.arrivedBy': '{who} on site ({at})',
    'nav.staff': 'Staff accounts',
    'staff.title': 'Staff accounts', 'staff.accounts': 'Accounts', 'staff.count': '{n}', 'staff.new': 'New account',
    'staff.col.username': 'User name', 'staff.col.name': 'Name', 'staff.col.role': 'Role', 'staff.col.sites': 'Sites',
    'staff.col.status': 'Status', 'staff.col.lastLogin': 'Last signed in', 'staff.col.actions': 'Actions',
    'staff.enabled': 'Active', 'staff.disabled': 'Disabled', 'staff.self': 'you', 'staff.allSites': 'All sites', 'staff.company': '{name} (all its compounds)', 'staff.never': 'never',
    'staff.edit': 'Edit', 'staff.setPassword': 'Set password', 'staff.disable': 'Disable', 'staff.enable': 'Enable', 'staff.audit': 'History',
    'staff.newTitle': 'New account', 'staff.editTitle': 'Edit {user}', 'staff.initialPassword': 'First password (10 characters or more)', 'staff.save': 'Save',
    'staff.resetTitle': 'New password for {user}', 'staff.resetHint': 'Every session of this account ends at once.', 'staff.newPassword': 'New password (10 characters or more)',
    'staff.auditTitle': 'Changes to {user}', 'staff.audit.by': 'by {who}',
    'staff.audit.created': 'Created', 'staff.audit.role': 'Role changed', 'staff.audit.sites': 'Sites changed', 'staff.audit.disabled': 'Disabled',
    'staff.audit.enabled': 'Enabled', 'staff.audit.password': 'Password changed', 'staff.audit.display_name': 'Name changed',
    'staff.own': 'Change my password', 'staff.current': 'Current password', 'staff.repeat': 'New password again', 'staff.changePassword': 'Change password',
    'staff.mismatch': 'The two new passwords differ.', 'staff.changed': 'Password changed; you were signed out everywhere else.',
    'staff.saved': 'Saved: {user}', 'staff.created': 'Created: {user}', 'staff.passwordSet': 'New password set for {user}; all their sessions ended.',
    'staff.disabledToast': '{user} disabled; all their sessions ended.', 'staff.enabledToast': '{user} enabled',
    'staff.supervisorsOnly': 'Only supervisors manage accounts; you can change your own password below.', 'staff.error': 'Failed: {detail}',
    'staff.err.username': 'A user name has 1-64 characters, no spaces around.', 'staff.err.password': 'A password has 10 characters or more.', 'staff.err.newPassword': 'The new password needs 10 characters or more.',
    'staff.err.currentPassword': 'That is not your current password.', 'staff.err.sites': 'Choose at least one site.', 'staff.err.role': 'Choose a role.',
    'staff.err.displayName': 'A name has at most 64 characters.', 'staff.err.forbidden': 'You cannot grant or change more than your own role and sites.',
    'staff.err.taken': 'That user name is taken.', 'staff.err.lastSupervisor': 'This is the last supervisor of all sites: it cannot be disabled or narrowed.',
    'report.title': 'Monthly service-quality report', 'report.site': 'Site', 'report.month': 'Month', 'report.csv': 'Export CSV', 'report.print': 'Print / save as PDF',
    'report.loading': 'Computing…', 'report.supervisorsOnly': 'Service-quality reports are for supervisors only.', 'report.failed': 'The report could not be loaded: {detail}',
    'report.heading': '{site} · service quality, {month}', 'report.period': 'Period {from} to {to} ({tz})',
    'report.snapshot': 'Monthly snapshot stored and published on {topic} at {at} (SHA-256 {sha}…); these figures are final.',
    'report.snapshotJson': 'Download the snapshot (JSON)',
    'report.snapshotPending': 'This month has ended; its snapshot is not stored yet. The hub stores and publishes the previous month early on the 1st.',
    'report.snapshotStored': 'Monthly snapshot stored at {at}, waiting to be published on {topic}.',
    'report.soFar': 'This month is not over: figures so far, as of {at}. Deadlines not yet due are pending, neither met nor missed.',
    'report.noRecords': 'No records: the hub\'s records begin {since}; this month has nothing to score and is not ranked.',
    'report.noRecordsNoDevices': 'No records: the site has no registered devices; it is not scored or ranked.',
    'report.kpi.rankSoFar': 'rank {rank} of {of} so far', 'report.kpi.pending': '{n} pending', 'report.kpi.openNow': 'Open now',
    'report.kpi.clearedUnattended': 'Cleared unattended', 'report.kpi.clearedUnattendedSub': 'cleared before anyone responded; not counted as responded or handled',
    'report.ranking.soFar': '(month not over: so far, as of {at})', 'report.ranking.noRecords': 'No records, not ranked: {sites}',
    'report.generated': 'Generated by the RedProperty hub at {at}', 'report.rules': 'Rules: an alert counts in the month it was first raised; durations (dark lamps, elevator downtime, cameras offline) count the time inside the period; alerts still open at its end count as open at end; a month not over is figured up to now, deadlines not yet due are pending; an alert that cleared before anyone responded counts as cleared unattended, not in the response and resolve times or the on-site share.',
    'report.kpi.score': 'Score', 'report.kpi.rank': 'Rank {rank} of {of}', 'report.kpi.trend': '{delta} on last month', 'report.kpi.noTrend': 'no figures for last month',
    'report.kpi.responseSla': 'Responded within 15 min', 'report.kpi.onSiteSla': 'Critical: on site within 30 min', 'report.kpi.resolvedSla': 'Critical handled within 30 min', 'report.kpi.olderMeasure': 'older measure: by resolve time', 'report.kpi.mtArrive': 'Mean time to arrive', 'report.kpi.mtta': 'Mean time to respond', 'report.kpi.mttr': 'Mean time to resolve',
    'report.kpi.p90': 'p90 {v}', 'report.kpi.raised': 'Alerts', 'report.kpi.escalations': 'Escalations', 'report.kpi.openAtEnd': 'Open at end',
    'report.kpi.cameras': 'Camera availability (no blind spot)', 'report.kpi.lampDays': 'Lamp-days dark',
    'report.chart.byType': 'Alerts by type', 'report.chart.bySeverity': 'Alerts by severity', 'report.chart.parts': 'Score parts', 'report.chart.ranking': 'Sites by score',
    'report.chart.trend': 'Score over six months', 'report.chart.cameras': 'Camera availability', 'report.chart.elevators': 'Elevator downtime (minutes)', 'report.chart.flyingWire': 'Flying-wire charging by zone',
    'report.part.responseSla': 'Response', 'report.part.onSiteSla': 'On site', 'report.part.cameraAvailability': 'Cameras', 'report.part.deviceAvailability': 'Devices online',
    'report.part.lampRepair': 'Lamp repair', 'report.part.flyingWire': 'Flying wire',
    'report.table.ranking': 'Red and black list', 'report.table.rank': 'Rank', 'report.table.site': 'Site', 'report.table.score': 'Score', 'report.table.trend': 'Change',
    'report.table.list': 'List', 'report.list.red': 'Red list', 'report.list.black': 'Black list',
    'report.table.lighting': 'Lighting', 'report.table.outages': 'Lamp outages', 'report.table.lampDaysDark': 'Lamp-days dark', 'report.table.medianRepair': 'Median days to repair',
    'report.table.elevators': 'Elevators', 'report.table.car': 'Car', 'report.table.downtime': 'Downtime (min)', 'report.table.entrapments': 'Entrapments', 'report.table.release': 'Mean time to release (min)',
    'report.table.companies': 'Property companies (mean of their compounds\' scores)', 'report.table.company': 'Company', 'report.table.compounds': 'Compounds',
    'report.table.residents': 'Residents\' reports by category', 'report.table.residentPlaces': 'Residents\' reports by place', 'report.table.category': 'Category',
    'report.table.residentReports': 'Reports', 'report.table.residentJobs': 'Jobs', 'report.table.toRespond': 'Mean minutes to respond',
    'report.table.toArrive': 'Mean minutes to arrive', 'report.table.onSiteShare': 'On site within 30 min', 'report.table.place': 'Place', 'report.table.total': 'Total',
    'report.timesReported': '{n} times this month',
    'report.table.charging': 'Charging safety', 'report.table.zone': 'Zone', 'report.table.incidents': 'Flying-wire incidents', 'report.table.repeat': 'Repeat', 'report.table.overheat': 'Overheat / smoke events',
    'report.table.cameras': 'Cameras', 'report.table.camera': 'Camera', 'report.table.availability': 'Availability',
    'report.table.devices': 'Device availability', 'report.table.kind': 'Kind',
    'report.table.zones': 'By zone', 'report.zones.quiet': '{n} more zones had no alerts and no downtime this month.',
    'report.none': 'none', 'report.yes': 'yes', 'report.minutes': '{v} min', 'report.days': '{v} days',
  },
};

export const languages = ['zh-CN', 'en'];
const storageKey = 'rp.lang';

export function currentLanguage() {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  if (languages.includes(fromUrl)) return fromUrl;
  const stored = localStorage.getItem(storageKey);
  return languages.includes(stored) ? stored : 'zh-CN';
}

let language = currentLanguage();

export function lang() { return language; }

export function setLanguage(next) {
  language = languages.includes(next) ? next : 'zh-CN';
  localStorage.setItem(storageKey, language);
  const url = new URL(location.href);
  url.searchParams.delete('lang');
  history.replaceState(null, '', url);
  applyStatic();
}

/** The string for key, with {name} placeholders filled in; the key itself if missing (visible in review). */
export function t(key, values) {
  const template = strings[language][key] ?? strings['zh-CN'][key] ?? key;
  return values ? template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? '')) : template;
}

/** Has a translation (so device-provided values are never looked up by accident). */
export function has(key) { return key in strings[language]; }

/** Fills data-i18n (text), data-i18n-placeholder and data-i18n-title attributes of the page. */
export function applyStatic(root = document) {
  document.documentElement.lang = language;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  const title = document.querySelector('title');
  const titleKey = document.body.dataset.title;
  if (title) title.textContent = document.body.classList.contains('login-page') ? `${t('auth.login')} · ${t('app.title')}` : titleKey ? `${t(titleKey)} · ${t('app.title')}` : t('app.title');
}

const formatters = new Map();

// Dates no reader can take the wrong way round: 2026年12月2日 in Chinese, 2 Dec 2026 in English
// (British order and a month name, never the US month/day/year).
const dateStyles = {
  'zh-CN': { locale: 'zh-CN', date: { year: 'numeric', month: 'long', day: 'numeric' } },
  en: { locale: 'en-GB', date: { year: 'numeric', month: 'short', day: 'numeric' } },
};

function formatter(timeZone, withDate) {
  const key = `${language}|${timeZone}|${withDate}`;
  let f = formatters.get(key);
  if (!f) {
    const style = dateStyles[language] ?? dateStyles['zh-CN'];
    f = new Intl.DateTimeFormat(style.locale, {
      timeZone,
      hourCycle: 'h23',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
      ...(withDate ? style.date : {}),
    });
    formatters.set(key, f);
  }
  return f;
}

/** A time in the site's time zone (IANA id). */
export function formatTime(value, timeZone, withDate = false) {
  if (!value) return '';
  const date = value instanceof Date ? value : new Date(value);
  try {
    return formatter(timeZone || 'UTC', withDate).format(date);
  } catch {
    return formatter('UTC', withDate).format(date);
  }
}

/** A duration as m:ss or h:mm, localised. */
export function formatDuration(ms) {
  const total = Math.max(0, Math.floor(Math.abs(ms) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? t('time.hoursMinutes', { h, m }) : t('time.minutesSeconds', { m, s: String(s).padStart(2, '0') });
}
