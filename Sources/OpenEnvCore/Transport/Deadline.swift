#if canImport(Glibc)
import Glibc
#endif

/// A point in monotonic time by which an operation must finish.
struct Deadline: Sendable {
    private let nanoseconds: UInt64
    /// The timeout it was made from, for error messages.
    let seconds: Double

    /// The deadline `seconds` from now. Any number is accepted: beyond about 146 years (or
    /// not a number at all) it means no limit in practice, never an overflow.
    init(seconds: Double) {
        self.seconds = seconds
        let span = max(0, seconds) * 1e9
        nanoseconds = Self.now() &+ (span < Double(Self.farFuture) ? UInt64(span) : Self.farFuture)
    }

    /// 2^62 ns, about 146 years: far enough, and still clear of overflow when added to now.
    private static let farFuture: UInt64 = 1 << 62

    /// The deadline on the monotonic clock, in nanoseconds (as `now()`).
    var uptimeNanoseconds: UInt64 { nanoseconds }

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
