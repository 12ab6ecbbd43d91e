import Dispatch

/// One thread that lives as long as the process and starts every server process.
///
/// A server asks the kernel to kill it when its parent dies (`PR_SET_PDEATHSIG`), and for the
/// kernel the parent is the *thread* that spawned it. Spawned from a caller's thread, a server
/// would die when that thread ends (a worker of a thread pool, say) even though sessions on
/// other threads still use it. Spawned from here, it dies with the process, and only then.
final class SpawnThread: @unchecked Sendable {
    /// The thread of this process, started on first use.
    static let shared = SpawnThread()

    private let jobs = JobQueue(threads: 1, name: "openenv-spawn")

    private init() {}

    /// Runs `body` on the spawning thread, waiting for it; rethrows what it throws.
    func run<T>(_ body: @escaping () throws -> T) throws -> T {
        let finished = DispatchSemaphore(value: 0)
        let outcome = OutcomeBox<T>()
        jobs.add {
            outcome.result = Result { try body() }
            finished.signal()
        }
        finished.wait()
        return try outcome.result!.get()
    }
}

/// The result of a job, handed from the spawning thread to the waiting caller (the
/// semaphore orders the write before the read).
private final class OutcomeBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
