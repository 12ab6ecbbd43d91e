/// The local environment servers of this process, shared between its sessions where the
/// environment allows concurrent sessions.
///
/// A new session of an environment first tries the servers already running for it (same
/// environment, interpreter and `env_vars`). The server itself decides whether it has room:
/// the session asks for `state` (no side effects) and a full server answers
/// `CAPACITY_REACHED`, carrying its maximum, which is remembered so that server is not asked
/// again while it is full. Otherwise a new server is started. A server stops when its last
/// session closes.
final class SharedServerPool: @unchecked Sendable {
    /// The pool of this process.
    static let shared = SharedServerPool()

    /// What makes two servers interchangeable.
    struct Key: Hashable {
        let app: String
        let searchPath: String
        let python: String?
        let environmentVariables: [String: String]

        init(_ environment: EnvironmentInfo, _ options: LaunchOptions) {
            app = LocalServerProcess.appPath(for: environment)
            searchPath = environment.searchPath
            python = options.python
            environmentVariables = options.environmentVariables
        }
    }

    /// One running server and the sessions that hold it.
    final class Entry: @unchecked Sendable {
        let key: Key
        let process: LocalServerProcess
        /// Sessions holding the server, plus sessions being opened on it.
        var leases = 0
        /// The most sessions the server accepts, once it has said so.
        var capacity: Int?

        init(key: Key, process: LocalServerProcess) {
            self.key = key
            self.process = process
        }

        var hasRoom: Bool { capacity.map { leases < $0 } ?? true }
    }

    private let lock = Mutex()
    private var entries: [Key: [Entry]] = [:]

    /// Opens a session with `environment`: on a running server with room, else on a new one.
    func openSession(environment: EnvironmentInfo, options: LaunchOptions) throws -> EnvSession {
        let key = Key(environment, options)
        var tried: [Entry] = []
        while let entry = reserveRunningServer(key, excluding: tried) {
            if let session = joinedSession(entry, options: options.session) { return session }
            tried.append(entry)
        }
        let process = try LocalServerProcess(
            environment: environment, python: options.python, environmentVariables: options.environmentVariables, waitTimeout: options.waitTimeout)
        let entry = Entry(key: key, process: process)
        entry.leases = 1
        lock.withLock { entries[key, default: []].append(entry) }
        return try EnvSession(baseURL: process.baseURL, options: options.session, runtime: ServerLease(entry: entry, pool: self))
    }

    /// The base URL of a running server of `environment`, if there is one.
    func runningServer(for environment: EnvironmentInfo, options: LaunchOptions) -> String? {
        lock.withLock { entries[Key(environment, options)]?.first(where: { !$0.process.hasExited })?.process.baseURL }
    }

    /// A running server for `key` that may have room and is not in `tried`, with a lease taken on it.
    private func reserveRunningServer(_ key: Key, excluding tried: [Entry]) -> Entry? {
        lock.withLock {
            let candidate = entries[key]?.first { entry in entry.hasRoom && !entry.process.hasExited && !tried.contains { $0 === entry } }
            guard let entry = candidate else { return nil }
            entry.leases += 1
            return entry
        }
    }

    /// A session on `entry`'s server if the server accepts one more, else nil. Either way the
    /// lease taken for it is accounted for: a failed session gives it back as it closes.
    private func joinedSession(_ entry: Entry, options: SessionOptions) -> EnvSession? {
        guard let session = try? EnvSession(baseURL: entry.process.baseURL, options: options, runtime: ServerLease(entry: entry, pool: self)) else {
            return nil
        }
        switch Admission(Result { () throws(SessionError) in try session.state() }) {
        case .admitted:
            return session
        case .full(let maximum):
            lock.withLock { entry.capacity = maximum ?? (entry.leases - 1) }
        case .lost:
            break
        }
        session.close()
        return nil
    }

    /// Gives back one lease; the last one stops the server.
    fileprivate func release(_ entry: Entry) {
        let last = lock.withLock { () -> Bool in
            entry.leases -= 1
            guard entry.leases == 0 else { return false }
            entries[entry.key]?.removeAll { $0 === entry }
            if entries[entry.key]?.isEmpty == true { entries[entry.key] = nil }
            return true
        }
        if last { entry.process.stop() }
    }
}

/// One session's hold on a shared server: stopping it gives the hold back.
private final class ServerLease: ServerRuntime, @unchecked Sendable {
    let baseURL: String
    private let entry: SharedServerPool.Entry
    private let pool: SharedServerPool
    private let lock = Mutex()
    private var released = false

    init(entry: SharedServerPool.Entry, pool: SharedServerPool) {
        self.entry = entry
        self.pool = pool
        baseURL = entry.process.baseURL
    }

    func stop() {
        let first = lock.withLock { () -> Bool in
            defer { released = true }
            return !released
        }
        if first { pool.release(entry) }
    }
}
