using System.Text;
using System.Net;
using QRCoder;

namespace RedProperty.Iot.Hub.Field;

/// <summary>
/// The printable A4 sheet of a site's place stickers (<c>/stickers.html?site=</c>): one sticker per place, with
/// the residents' QR code large and the staff arrival code small, and each link printed under its code. Made on
/// the server (QRCoder) so the sheet needs no script and prints the same from any browser.
/// </summary>
public static class StickerSheet
{
    public static string Render(Site site, IReadOnlyList<PlaceView> places)
    {
        var page = new StringBuilder();
        page.Append($"""
            <!doctype html>
            <html lang="zh-CN">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>{Html(site.Name)} · 场所二维码 · RedProperty</title>
              <link rel="icon" href="/img/favicon.svg" type="image/svg+xml">
              <link rel="stylesheet" href="/css/stickers.css">
            </head>
            <body>
              <header class="sheet-head">
                <h1>{Html(site.Name)} · 场所二维码 Place stickers</h1>
                <p>打印在 A4 不干胶纸上（打印设置：实际大小，无页眉页脚），沿虚线剪开，贴在对应场所。居民扫大码报事；工作人员到场后扫小码签到。
                   二维码由本系统签名，更换场所或密钥后须重新打印。</p>
                <p>Print on A4 sticker paper at actual size without headers, cut along the dashed lines and post each at its place.
                   Residents scan the large code to report a problem; staff scan the small one when they arrive.
                   The codes are signed by this hub: print them again after a place moves or the sticker key changes.</p>
                <p class="count">{places.Count} 个场所 places</p>
              </header>
              <main class="sheet">

            """);
        foreach (var place in places)
        {
            page.Append($"""
                    <section class="sticker" data-place="{Html(place.Id)}">
                      <div class="where">
                        <div class="site">{Html(site.Name)} · {Html(place.ZoneName)}</div>
                        <div class="place">{Html(place.Name)}</div>
                      </div>
                      <div class="codes">
                        <figure class="resident">
                          <img alt="居民报事二维码 {Html(place.Name)}" src="{QrDataUri(place.ResidentUrl)}">
                          <figcaption><strong>居民报事 · 扫码</strong><br>灯不亮、电梯故障、飞线充电、烟味……<br>Report a problem here</figcaption>
                        </figure>
                        <figure class="arrival">
                          <img alt="工作人员到场签到二维码 {Html(place.Name)}" src="{QrDataUri(place.ArrivalUrl)}">
                          <figcaption>工作人员到场签到<br>Staff arrival</figcaption>
                        </figure>
                      </div>
                      <div class="links"><span class="id">{Html(site.Id)}/{Html(place.Id)}</span> <span class="url">{Html(place.ResidentUrl)}</span></div>
                    </section>

                """);
        }

        page.Append("""
              </main>
            </body>
            </html>
            """);
        return page.ToString();
    }

    /// <summary>Escapes markup characters only, so Chinese names stay readable in the page's source.</summary>
    private static string Html(string text) => WebUtility.HtmlEncode(text);

    private static string QrDataUri(string url)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(url, QRCodeGenerator.ECCLevel.M);
        var svg = new SvgQRCode(data).GetGraphic(4, "#000000", "#ffffff", drawQuietZones: true, SvgQRCode.SizingMode.ViewBoxAttribute);
        return "data:image/svg+xml;base64," + Convert.ToBase64String(Encoding.UTF8.GetBytes(svg));
    }
}
