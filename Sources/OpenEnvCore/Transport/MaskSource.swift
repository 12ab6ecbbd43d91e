import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// The masks of one connection's frames. RFC 6455 (5.3) asks for masks "derived from a strong
/// source of entropy", unpredictable to whoever sees earlier frames, so that a hostile page or
/// server cannot choose the bytes a proxy sees. They come from the kernel's generator
/// (`getrandom`), drawn 512 bytes at a time, so that a frame costs a copy and one system call
/// serves 128 frames.
struct MaskSource {
    private var pool = [UInt32](repeating: 0, count: 128)
    private var used = 128

    /// The next mask.
    mutating func next() -> UInt32 {
        if used == pool.count {
            pool.withUnsafeMutableBytes { Self.fill($0) }
            used = 0
        }
        defer { used += 1 }
        return pool[used]
    }

    /// Fills `buffer` from `getrandom`; where the kernel has none (before Linux 3.17), from the
    /// standard library's system generator.
    private static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        var filled = 0
        while filled < buffer.count {
            let count = getrandom(buffer.baseAddress! + filled, buffer.count - filled, 0)
            if count > 0 {
                filled += count
            } else if errno != EINTR {
                var generator = SystemRandomNumberGenerator()
                for index in filled..<buffer.count { buffer[index] = generator.next() }
                return
            }
        }
    }
}
