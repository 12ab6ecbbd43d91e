#if canImport(Glibc)
import Glibc
#endif

/// A point in monotonic time by which an operation must finish.
struct Deadline: Sendable {
    private let nanoseconds: UInt64
    /// The timeout it was made from, for error messages.
    let seconds: Double

    /// The deadline `seconds` from now.
    init(seconds: Double) {
        self.seconds = seconds
        nanoseconds = Self.now() &+ UInt64(max(0, seconds) * 1e9)
    }

    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// Milliseconds left for `poll`, at least 0, at most Int32.max.
    var remainingMilliseconds: Int32 {
        let now = Self.now()
        guard nanoseconds > now else { return 0 }
        return Int32(clamping: (nanoseconds - now + 999_999) / 1_000_000)
    }
}
