using Edge.Host.Configuration;

namespace Edge.Host.Hosting;

/// <summary>What identifies a version of a certificate's files: resolved path (symlinks followed), write time, length.</summary>
internal readonly record struct FileStamp(string Certificate, DateTime CertificateWritten, long CertificateLength, string? Key, DateTime KeyWritten, long KeyLength)
{
    public static FileStamp Of(CertificateOptions options)
    {
        var certificate = Resolve(options.CertificatePath!);
        var key = string.IsNullOrEmpty(options.KeyPath) ? null : Resolve(options.KeyPath);
        return new FileStamp(
            certificate.FullName,
            certificate.LastWriteTimeUtc,
            certificate.Length,
            key?.FullName,
            key?.LastWriteTimeUtc ?? default,
            key?.Length ?? 0);
    }

    private static FileInfo Resolve(string path)
    {
        var info = new FileInfo(path);
        var target = info.LinkTarget is null ? null : info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo;
        var result = target ?? info;
        if (!result.Exists)
        {
            throw new FileNotFoundException($"'{path}' does not exist", path);
        }

        return result;
    }
}
