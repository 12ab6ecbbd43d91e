import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// Threads of the library's own (the I/O loop, the job queues), started with pthreads rather
/// than Foundation's `Thread`, which would bring Foundation and ICU into the library.
enum LibraryThread {
    /// Starts a detached thread named `name` (at most 15 bytes show) that runs `body`, with
    /// `stackSize` bytes of stack when given, else the system's default.
    static func start(named name: String, stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        if let stackSize { pthread_attr_setstacksize(&attributes, stackSize) }
        var thread = pthread_t()
        let status = pthread_create(&thread, &attributes, { argument in
            let body = Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue()
            body.run()
            return nil
        }, box)
        // Without a thread the library cannot work at all; as Foundation's Thread, stop here.
        precondition(status == 0, "cannot start the thread \(name): \(String(cString: strerror(status)))")
        pthread_setname_np(thread, String(name.utf8.prefix(15))!)
    }

    /// The closure handed to the new thread.
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
}
