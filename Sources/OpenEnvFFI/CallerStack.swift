import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// The calling thread's stack, checked before every exported call does any work.
///
/// The JSON reader, the schema checker and the writer recurse once per nesting level, so a
/// document at the nesting limit (128 levels) needs stack in proportion: measured on threads
/// of 40 to 64 KiB, the release library needs 34 KiB left to read, check and write one, and a
/// debug build about 300 KiB. A C caller may run on a thread with much less (a 32 KiB
/// coroutine stack, say), where that recursion would run into the guard page: a crash. Rather
/// than crash, a call made with less than `minimumFree` bytes of stack left fails with
/// OPENENV_INVALID_ARGUMENT and says so (openenv.h states the rule).
enum CallerStack {
    /// The stack a call needs left at its start: the measured need plus about 40% as margin.
    #if DEBUG
    static let minimumFree = 420 * 1024
    #else
    static let minimumFree = 48 * 1024
    #endif

    /// Throws when the calling thread has less than `minimumFree` bytes of stack left.
    static func requireRoom() throws(FFIError) {
        guard let lowest = lowestAddress() else { return }
        var marker: UInt8 = 0
        let here = withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
        let free = here > lowest ? Int(here - lowest) : 0
        guard free < minimumFree else { return }
        throw FFIError(
            .invalidArgument,
            "the calling thread has \(free / 1024) KiB of stack left and openenv calls need \(minimumFree / 1024) KiB; "
                + "call from a thread with a stack of at least \(minimumFree / 1024 + 16) KiB (pthread_attr_setstacksize)")
    }

    /// The lowest usable address of the calling thread's stack (above its guard), looked up
    /// once per thread and kept in thread-specific data; nil when the system cannot tell.
    private static func lowestAddress() -> UInt? {
        if let known = pthread_getspecific(key) { return UInt(bitPattern: known) }
        var attributes = pthread_attr_t()
        guard pthread_getattr_np(pthread_self(), &attributes) == 0 else { return nil }
        defer { pthread_attr_destroy(&attributes) }
        var base: UnsafeMutableRawPointer?
        var size = 0
        var guardSize = 0
        guard pthread_attr_getstack(&attributes, &base, &size) == 0, let base else { return nil }
        pthread_attr_getguardsize(&attributes, &guardSize)
        let lowest = UInt(bitPattern: base) + UInt(guardSize)
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: lowest))
        return lowest
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
}
