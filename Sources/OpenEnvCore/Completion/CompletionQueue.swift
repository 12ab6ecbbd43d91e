import CLinux

#if canImport(Glibc)
import Glibc
#endif

/// Where submitted requests report when they finish: completions wait here until collected.
///
/// `descriptor` (an eventfd) is readable exactly while completions wait, so any event loop
/// (asyncio's `add_reader`, libuv, `poll`) can wait for them without a thread of its own.
/// Safe to use from any thread.
public final class CompletionQueue: @unchecked Sendable {
    /// Readable while completions wait; owned by the queue (never close it).
    public let descriptor: Int32
    private let lock = Mutex()
    private var waiting: [Completion] = []
    private var taken = 0

    /// A new, empty queue.
    public init() throws(SessionError) {
        descriptor = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard descriptor >= 0 else {
            throw .invalidArgument("cannot create a completion queue: \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        Glibc.close(descriptor)
    }

    /// Adds a completion; makes the descriptor readable if it was not.
    public func post(_ completion: Completion) {
        lock.withLock {
            waiting.append(completion)
            if waiting.count - taken == 1 { _ = eventfd_write(descriptor, 1) }
        }
    }

    /// Completions waiting now, at most `maximum`, oldest first. With a `timeout` (seconds;
    /// negative: no limit), waits that long for the first one if none is waiting.
    public func collect(maximum: Int, timeout: Double = 0) -> [Completion] {
        guard maximum > 0 else { return [] }
        if timeout != 0 {
            let deadline = timeout < 0 ? nil : Deadline(seconds: timeout)
            while lock.withLock({ waiting.count == taken }) {
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let milliseconds = deadline.map { $0.remainingMilliseconds } ?? -1
                if poll(&poller, 1, milliseconds) == 0 { break }
                if let deadline, deadline.remainingMilliseconds == 0 { break }
            }
        }
        return lock.withLock {
            let end = min(waiting.count, taken + maximum)
            let batch = Array(waiting[taken..<end])
            taken = end
            if taken == waiting.count {
                waiting.removeAll(keepingCapacity: true)
                taken = 0
                var count: eventfd_t = 0
                _ = eventfd_read(descriptor, &count)
            }
            return batch
        }
    }

    /// How many completions wait.
    public var count: Int { lock.withLock { waiting.count - taken } }
}
