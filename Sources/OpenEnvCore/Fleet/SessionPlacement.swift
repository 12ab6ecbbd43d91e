/// Sessions spread over servers already running, round-robin (each to the server this
/// placement has put the fewest on), each server taking no more sessions than it has room for.
///
/// An OpenEnv server tells its room only by refusing a session (CAPACITY_REACHED, with
/// `active_sessions` and `max_sessions`), and only once the session sends its first message.
/// So each new session asks for its state once: a refused session is closed and opened again
/// on a server with room, and a server that refused takes no more from this placement. A server
/// that cannot be reached (no connection, no upgrade in time) is dropped the same way, which is
/// what lets a vector environment reopen sessions after losing a server.
public struct SessionPlacement: Sendable {
    /// The servers' base URLs, in the order sessions go round.
    public private(set) var urls: [String]
    /// The options of every session opened.
    public let options: SessionOptions
    /// Servers that refused a session, with the most sessions each said it takes (nil when it did not say).
    public private(set) var full: [String: Int?] = [:]
    /// Servers that could not be reached, with why.
    public private(set) var unreachable: [String: SessionError] = [:]
    /// The event-loop queue whose thread moves the bytes of the sessions this placement opens
    /// (a vector environment's, driven by its caller); nil: the engine's I/O thread.
    public var home: CompletionQueue?
    private var next = 0
    /// How many sessions this placement has put on each server.
    private var placedOn: [String: Int] = [:]

    /// A placement over `urls` (at least one); a URL that is not a server base URL is refused
    /// (`invalidArgument`, naming it), never passed over as a server that cannot be reached.
    public init(urls: [String], options: SessionOptions = SessionOptions()) throws(SessionError) {
        guard !urls.isEmpty else { throw .invalidArgument("no server URLs; give at least one") }
        for url in urls {
            do {
                _ = try ServerAddress(url)
            } catch {
                throw .invalidArgument("\(error)")
            }
        }
        self.urls = urls
        self.options = options
    }

    /// The servers that can still take sessions.
    public var serversWithRoom: [String] { urls.filter { full[$0] == nil && unreachable[$0] == nil } }

    /// The servers that can still be reached (full or not).
    public var reachableServers: [String] { urls.filter { unreachable[$0] == nil } }

    /// Adds a server (one just started, say) at the end of the round.
    public mutating func add(_ url: String) {
        if !urls.contains(url) { urls.append(url) }
    }

    /// `count` new sessions, round-robin over the servers with room. When they cannot hold
    /// `count` more, throws a CAPACITY_REACHED server error that says what each holds (or, when
    /// no server could be reached at all, a connection error naming each and why), and leaves
    /// none open.
    public mutating func open(_ count: Int) throws(SessionError) -> [EnvSession] {
        var placed: [EnvSession] = []
        while placed.count < count {
            let candidates = serversWithRoom
            guard !candidates.isEmpty else {
                for session in placed { session.close() }
                throw noRoom(asked: count, placed: placed.count)
            }
            placed += admitted(openEach(targets(count - placed.count, over: candidates)))
        }
        return placed
    }

    /// Where the next `count` sessions go: each to the candidate this placement has put the
    /// fewest sessions on, ties going round-robin. A retry after a server was lost or full thus
    /// spreads over the others as the first round did, never piling onto the one after it.
    private mutating func targets(_ count: Int, over candidates: [String]) -> [String] {
        var load = candidates.map { placedOn[$0, default: 0] }
        var chosen: [String] = []
        for _ in 0..<count {
            let order = (0..<candidates.count).map { (next + $0) % candidates.count }
            let pick = order.min { load[$0] < load[$1] }!
            load[pick] += 1
            chosen.append(candidates[pick])
            next = pick + 1
        }
        return chosen
    }

    /// One session per URL, opened at once on the engine's opening threads.
    private mutating func openEach(_ targets: [String]) -> [(String, EnvSession)] {
        let queue: CompletionQueue
        do {
            queue = try CompletionQueue()
        } catch {
            for url in Set(targets) { unreachable[url] = error }
            return []
        }
        for (index, url) in targets.enumerated() {
            let options = options
            OpeningPool.shared.submit(to: queue, tag: UInt64(index), belongingTo: home) { try EnvSession(baseURL: url, options: options) }
        }
        var opened: [(Int, EnvSession)] = []
        var remaining = targets.count
        while remaining > 0 {
            for completion in queue.collect(maximum: remaining, timeout: -1) {
                remaining -= 1
                let index = Int(completion.tag)
                switch completion.outcome {
                case .success(.session(let session)): opened.append((index, session))
                case .success(.json): break
                case .failure(let error): unreachable[targets[index]] = error as? SessionError ?? .invalidArgument("\(error)")
                }
            }
        }
        return opened.sorted { $0.0 < $1.0 }.map { (targets[$0.0], $0.1) }
    }

    /// The sessions the servers admit: each asks for its state once, all at once.
    private mutating func admitted(_ opened: [(String, EnvSession)]) -> [EnvSession] {
        let answers = SessionBatch.perform(opened.map { ($0.1, SessionRequest.state) })
        var admitted: [EnvSession] = []
        for ((url, session), answer) in zip(opened, answers) {
            switch Admission(answer) {
            case .admitted:
                admitted.append(session)
                placedOn[url, default: 0] += 1
            case .full(let maximum):
                session.close()
                full[url] = maximum
            case .lost(let error):
                session.close()
                unreachable[url] = error
            }
        }
        return admitted
    }

    private func noRoom(asked: Int, placed: Int) -> SessionError {
        if full.isEmpty, !unreachable.isEmpty {
            if unreachable.count == 1, let only = unreachable.values.first { return only }
            return .transport(.noServerReachable(unreachable.mapValues { error in
                // Said once for all by the error's own text: not each server's "Server not available at ...?"
                if case .transport(.connectionFailed(_, let reason)) = error { return "cannot connect (\(reason))" }
                return "\(error)"
            }))
        }
        let holds = urls.compactMap { url in full[url].map { "\(url) holds at most \($0.map(String.init) ?? "what it has")" } }
        let lost = urls.compactMap { url in unreachable[url].map { "\(url) cannot be reached (\($0))" } }
        var servers = JSONObject()
        for url in urls { servers[url] = full[url].map { $0.map { JSONValue.integer(Int64($0)) } ?? .null } ?? (unreachable[url] != nil ? "unreachable" : "room") }
        let message = "the servers have room for \(placed) of the \(asked) sessions asked for: \((holds + lost).joined(separator: "; ")). "
            + "Give more servers, or start them with a higher max_concurrent_envs"
        return .server(ServerError(data: ["code": "CAPACITY_REACHED", "message": .string(message), "asked": .integer(Int64(asked)),
                                          "placed": .integer(Int64(placed)), "servers": .object(servers)]))
    }
}
