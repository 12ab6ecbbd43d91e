import Dispatch

/// Jobs run in order by threads of the library's own that live as long as the process.
final class JobQueue: @unchecked Sendable {
    private let lock = Mutex()
    private let pending = DispatchSemaphore(value: 0)
    private var jobs: [() -> Void] = []
    private var threads = 0
    /// The most threads that serve the queue, and the name they carry.
    private let width: Int
    private let name: String

    init(threads width: Int, name: String) {
        self.width = width
        self.name = name
    }

    /// Queues `job`; a new serving thread starts while fewer than `width` are running.
    func add(_ job: @escaping () -> Void) {
        let startsThread = lock.withLock { () -> Bool in
            jobs.append(job)
            guard threads < width else { return false }
            threads += 1
            return true
        }
        pending.signal()
        guard startsThread else { return }
        LibraryThread.start(named: name) { [self] in
            while true {
                pending.wait()
                lock.withLock { jobs.removeFirst() }()
            }
        }
    }
}
