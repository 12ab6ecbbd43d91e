/// The container command the library runs containers with: a Docker-compatible CLI.
///
/// Chosen by, in order: the `container_engine` option, the `OPENENV_CONTAINER_ENGINE`
/// environment variable (either a command on PATH or a path), else `docker` on PATH if it
/// answers, else `podman` on PATH. A `docker` whose daemon does not answer (a Docker CLI with no
/// engine behind it) leads on to `podman`; when nothing works, the error names every command
/// tried and why each failed. An engine that answered is remembered for the process. A start
/// does not ask first (see `run(_:choosing:)`).
public struct ContainerEngine: Sendable, Equatable {
    /// The executable's path.
    public let path: String

    /// Whether it is podman (itself, or through podman-docker's `docker`): its `rm -f` waits the
    /// stop timeout (10 s) for a server that ignores SIGTERM unless told `--time 0`. Asked
    /// (`--version`) when first needed, at a removal: not on a start's path.
    public var isPodman: Bool {
        if let known = Self.lock.withLock({ Self.podman[path] }) { return known }
        let found = run(["--version"]).output.lowercased().contains("podman")
        Self.lock.withLock { Self.podman[path] = found }
        return found
    }

    /// The environment variable that names the engine.
    public static let environmentVariable = "OPENENV_CONTAINER_ENGINE"

    private static let lock = Mutex()
    nonisolated(unsafe) private static var answered: [String: ContainerEngine] = [:]
    nonisolated(unsafe) private static var podman: [String: Bool] = [:]

    /// The engine to use: `choice` (the option) if given, else the environment variable's, else
    /// `docker` or `podman`, whichever answers (`version` reports a server) first.
    public static func resolve(_ choice: String? = nil) throws(RuntimeError) -> ContainerEngine {
        try first(choice) { engine in probe(engine.path).map { engine } }
    }

    /// Runs `arguments` (a `run`) with the engine to use, chosen as `resolve` does but without
    /// asking first: a start pays for no `version` process (on a busy machine, one more process
    /// competing with the server's boot). A candidate is asked only when its `run` failed, to
    /// tell an engine that does not answer (then the next candidate, or the error naming every
    /// one tried) from a run that failed on an answering engine (returned, for the caller to
    /// explain: a missing image, a bad option). Each candidate's `ContainerWatcher` is started
    /// before its `run`, so that a container is covered from its creation.
    static func run(_ arguments: [String], choosing choice: String?) throws(RuntimeError) -> (engine: ContainerEngine, status: Int32, output: String) {
        try first(choice) { engine in
            _ = ContainerWatcher.shared(for: engine)
            let run = engine.run(arguments)
            if run.status != 0, case .failure(let reason) = probe(engine.path) { return .failure(reason) }
            return .success((engine, run.status, run.output))
        }
    }

    /// The first of the candidate engines for which `attempt` succeeds, remembered for the
    /// process (and tried first next time); the error names every candidate and why it failed.
    private static func first<T>(_ choice: String?, _ attempt: (ContainerEngine) -> Result<T, ProbeFailure>) throws(RuntimeError) -> T {
        let named = choice ?? FileSystem.environment(environmentVariable).flatMap { $0.isEmpty ? nil : $0 }
        let key = (named ?? "") + "\u{0}" + (FileSystem.environment("PATH") ?? "")
        var tried: [(path: String, reason: ProbeFailure)] = []
        if let known = lock.withLock({ answered[key] }) {
            switch attempt(known) {
            case .success(let value): return value
            case .failure(let reason):  // it stopped answering: choose again, without asking it twice
                tried.append((known.path, reason))
                _ = lock.withLock { answered.removeValue(forKey: key) }
            }
        }
        let candidates: [String]
        var namedBy: String?
        if let named {
            let source = choice != nil ? "the container_engine option" : environmentVariable
            guard let path = named.contains("/") ? (FileSystem.isFile(named) ? named : nil) : FileSystem.onPath(named) else {
                throw .noContainerEngine("the container engine '\(named)' named by \(source) is not installed (not \(named.contains("/") ? "a file" : "on PATH"))")
            }
            candidates = [path]
            namedBy = source
        } else {
            candidates = ["docker", "podman"].compactMap { FileSystem.onPath($0) }
            guard !candidates.isEmpty else {
                throw .noContainerEngine("no container engine: neither docker nor podman is on PATH. Install one (or name it with \(environmentVariable) or the container_engine option), or leave docker_image unset to run the environment as a local process")
            }
        }
        for path in candidates where !tried.contains(where: { $0.path == path }) {
            switch attempt(ContainerEngine(path: path)) {
            case .success(let value):
                lock.withLock { answered[key] = ContainerEngine(path: path) }
                return value
            case .failure(let reason): tried.append((path, reason))
            }
        }
        if let namedBy, let only = tried.first {
            throw .containerEngineNotAnswering("the container engine \(only.path) named by \(namedBy) does not answer: \(only.reason)")
        }
        throw .containerEngineNotAnswering("no container engine answers: tried \(tried.map { "\($0.path) (\($0.reason))" }.joined(separator: "; ")). Start one (or name another with \(environmentVariable) or the container_engine option), or leave docker_image unset to run the environment as a local process")
    }

    /// Whether the CLI at `path` reaches its engine (`version` reports a server).
    private static func probe(_ path: String) -> Result<Void, ProbeFailure> {
        let server = ChildProcess.run(path, ["version", "--format", "{{.Server.Version}}"], mergingErrors: true)
        let said = server.output.trimmingWhiteSpace()
        guard server.status == 0, !said.isEmpty else {
            let lastLine = said.split(separator: "\n").last.map(String.init) ?? "exit status \(server.status)"
            return .failure(ProbeFailure(reason: lastLine))
        }
        return .success(())
    }

    private struct ProbeFailure: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    /// Runs the engine with `arguments` to completion; its exit status and combined output.
    func run(_ arguments: [String]) -> (status: Int32, output: String) {
        ChildProcess.run(path, arguments, mergingErrors: true)
    }

    /// The arguments that remove containers at once, running or not (SIGKILL, no stop timeout).
    func removeArguments(_ containers: [String]) -> [String] {
        (isPodman ? ["rm", "-f", "--time", "0"] : ["rm", "-f"]) + containers
    }
}
