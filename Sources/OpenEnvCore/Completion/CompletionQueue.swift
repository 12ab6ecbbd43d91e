import CLinux

#if canImport(Glibc)
import Glibc
#endif

/// Where submitted requests report when they finish: completions wait here until collected.
///
/// `descriptor` is readable while completions wait, so any event loop (asyncio's `add_reader`,
/// libuv, `poll`) can wait for them without a thread of its own. Safe to use from any thread.
///
/// An inline queue (an event loop's) also moves the bytes of the sessions opened through it
/// (`submitOpen`), on the thread that collects it (and a request not deferred, on the thread
/// that submits it): see `SessionLoop`. Its `descriptor` is then
/// readable also when those sessions have work, and `collect` (or `sendSubmitted`) does it.
public final class CompletionQueue: @unchecked Sendable {
    /// The eventfd written while completions wait.
    private let signalDescriptor: Int32
    /// The I/O loop of the sessions opened through an inline queue.
    let inlineLoop: SessionLoop?
    private let lock = Mutex()
    private var waiting: [Completion] = []
    private var taken = 0
    private var closed = false
    /// Whether the descriptor is readable (written since the last time it was read).
    private var signalled = false

    /// A new, empty queue; `inline`: an event loop's, which moves the bytes of the sessions
    /// opened through it on the collecting thread.
    public init(inline: Bool = false) throws(SessionError) {
        signalDescriptor = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard signalDescriptor >= 0 else {
            throw .invalidArgument("cannot create a completion queue: \(String(cString: strerror(errno)))")
        }
        inlineLoop = inline ? SessionLoop(inline: true, queueSignal: signalDescriptor) : nil
    }

    deinit {
        inlineLoop?.handOver(queueSignal: signalDescriptor)  // released without close()
        Glibc.close(signalDescriptor)
    }

    /// Readable while completions wait (and, for an inline queue, while its sessions have work
    /// to do); owned by the queue (never close it).
    public var descriptor: Int32 { inlineLoop?.descriptor ?? signalDescriptor }

    /// Whether the queue moves the bytes of the sessions opened through it.
    public var isInline: Bool { inlineLoop != nil }

    /// Puts every deferred submission on its way (`EnvSession.sendDeferredSubmissions()`),
    /// those on an inline queue's own sessions at once on this thread: writes them, reads what
    /// arrived, posts the answers, without waiting (unless another thread is doing it).
    public func sendSubmitted() {
        inlineLoop?.runPass()
        EnvSession.sendDeferredSubmissions()
    }

    /// Adds a completion and, unless `signalling` is false, makes the descriptor readable if it
    /// was not. A closed queue drops it.
    ///
    /// The engine's I/O loop posts with `signalling: false` and calls `signal()` once at the end
    /// of each pass: every answer that one `epoll_wait` brought then wakes the collector once.
    /// Signalling each answer woke an asyncio loop about once per answer (measured: 0.63
    /// eventfd writes per step at 16 sessions), each wake-up a system call and a context switch.
    public func post(_ completion: Completion, signalling: Bool = true) {
        lock.withLock {
            guard !closed else { return }
            waiting.append(completion)
            if signalling { signalLocked() }
        }
    }

    /// Makes the descriptor readable if completions wait and it is not yet.
    public func signal() {
        lock.withLock { signalLocked() }
    }

    private func signalLocked() {
        guard !signalled, !closed, waiting.count > taken else { return }
        signalled = true
        _ = eventfd_write(signalDescriptor, 1)
    }

    /// Completions waiting now, at most `maximum`, oldest first. With a `timeout` (seconds;
    /// negative: no limit), waits that long for the first one if none is waiting. A closed
    /// queue gives none, and a wait returns as soon as the queue is closed.
    /// An inline queue first moves its sessions' bytes (as `sendSubmitted` does), and again
    /// whenever its descriptor turns readable during the wait.
    public func collect(maximum: Int, timeout: Double = 0) -> [Completion] {
        guard maximum > 0 else { return [] }
        inlineLoop?.runPass(collectingFor: self)
        if timeout != 0 {
            let deadline = timeout < 0 ? nil : Deadline(seconds: timeout)
            while lock.withLock({ waiting.count == taken && !closed }) {
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let milliseconds = deadline.map { $0.remainingMilliseconds } ?? -1
                let ready = poll(&poller, 1, milliseconds)
                inlineLoop?.runPass(collectingFor: self)
                if ready == 0 { break }
                if let deadline, deadline.remainingMilliseconds == 0 { break }
            }
        }
        return lock.withLock {
            guard !closed else { return [] }
            let end = min(waiting.count, taken + maximum)
            let batch = Array(waiting[taken..<end])
            taken = end
            if taken == waiting.count {
                waiting.removeAll(keepingCapacity: true)
                taken = 0
                if signalled {
                    var count: eventfd_t = 0
                    _ = eventfd_read(signalDescriptor, &count)
                    signalled = false
                }
            } else if signalled {
                // What is left is announced again: an inline loop's set sees only new edges.
                _ = eventfd_write(signalDescriptor, 1)
            } else {
                signalLocked()  // what is left is announced, even if posted unsignalled
            }
            return batch
        }
    }

    /// Closes the queue: waiting completions are dropped, later ones too, and every thread
    /// waiting in `collect` returns at once with none. The descriptor stays readable from now
    /// on, so no waiter can miss the wake-up; it is closed when the last reference goes.
    /// An inline queue's sessions are handed to the engine's I/O thread.
    public func close() {
        let first = lock.withLock { () -> Bool in
            guard !closed else { return false }
            closed = true
            waiting.removeAll()
            taken = 0
            _ = eventfd_write(signalDescriptor, 1)
            return true
        }
        if first { inlineLoop?.handOver(queueSignal: signalDescriptor) }
    }

    /// Whether `close` was called.
    public var isClosed: Bool { lock.withLock { closed } }

    /// How many completions wait.
    public var count: Int { lock.withLock { waiting.count - taken } }
}
