#if canImport(Glibc)
import Glibc
#endif

/// Raw writes to the standard streams.
enum FileHandleOutput {
    static func writeToStandardError(_ string: String) {
        var string = string
        string.withUTF8 { buffer in _ = write(2, buffer.baseAddress, buffer.count) }
    }
}
