namespace RedProperty.Iot.Hub.Field;

/// <summary>The static pages a sticker's link opens: the path carries the token, the page is the same for every place.</summary>
public static class FieldPages
{
    public static IResult Page(IWebHostEnvironment environment, string file) =>
        Results.File(environment.WebRootFileProvider.GetFileInfo(file).PhysicalPath!, "text/html; charset=utf-8");
}
