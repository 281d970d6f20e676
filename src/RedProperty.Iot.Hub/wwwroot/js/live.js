// The connection to the desk's SignalR hub (/hubs/desk), as the desk screen and the phone page open it:
// WebSockets, else server-sent events, else long polling; a dead connection is noticed within 20 s.
export function deskHubConnection(url) {
  const hub = new signalR.HubConnectionBuilder()
    .withUrl(url, { transport: signalR.HttpTransportType.WebSockets | signalR.HttpTransportType.ServerSentEvents | signalR.HttpTransportType.LongPolling })
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  hub.serverTimeoutInMilliseconds = 20_000;
  hub.keepAliveIntervalInMilliseconds = 10_000;
  return hub;
}
