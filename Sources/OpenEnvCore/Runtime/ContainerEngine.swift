/// The container command the library runs containers with: a Docker-compatible CLI.
///
/// Chosen by, in order: the `container_engine` option, the `OPENENV_CONTAINER_ENGINE`
/// environment variable (either a command on PATH or a path), else `docker` on PATH if it
/// answers, else `podman` on PATH. A `docker` whose daemon does not answer (a Docker CLI with no
/// engine behind it) leads on to `podman`; when nothing works, the error names every command
/// tried and why each failed. An engine that answered is remembered for the process.
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
    /// `docker` or `podman`, whichever answers first.
    public static func resolve(_ choice: String? = nil) throws(RuntimeError) -> ContainerEngine {
        let named = choice ?? FileSystem.environment(environmentVariable).flatMap { $0.isEmpty ? nil : $0 }
        let key = (named ?? "") + "\u{0}" + (FileSystem.environment("PATH") ?? "")
        if let known = lock.withLock({ answered[key] }) { return known }
        let engine: ContainerEngine
        if let named {
            let source = choice != nil ? "the container_engine option" : environmentVariable
            guard let path = named.contains("/") ? (FileSystem.isFile(named) ? named : nil) : FileSystem.onPath(named) else {
                throw .noContainerEngine("the container engine '\(named)' named by \(source) is not installed (not \(named.contains("/") ? "a file" : "on PATH"))")
            }
            switch probe(path) {
            case .success(let found): engine = found
            case .failure(let reason):
                throw .containerEngineNotAnswering("the container engine \(path) named by \(source) does not answer: \(reason)")
            }
        } else {
            var tried: [String] = []
            var found: ContainerEngine?
            for name in ["docker", "podman"] {
                guard let path = FileSystem.onPath(name) else { continue }
                switch probe(path) {
                case .success(let engine): found = engine
                case .failure(let reason): tried.append("\(path) (\(reason))")
                }
                if found != nil { break }
            }
            guard let found else {
                if tried.isEmpty {
                    throw .noContainerEngine("no container engine: neither docker nor podman is on PATH. Install one (or name it with \(environmentVariable) or the container_engine option), or leave docker_image unset to run the environment as a local process")
                }
                throw .containerEngineNotAnswering("no container engine answers: tried \(tried.joined(separator: "; ")). Start one (or name another with \(environmentVariable) or the container_engine option), or leave docker_image unset to run the environment as a local process")
            }
            engine = found
        }
        lock.withLock { answered[key] = engine }
        return engine
    }

    /// Whether the CLI at `path` reaches its engine (`version` reports a server); its kind.
    private static func probe(_ path: String) -> Result<ContainerEngine, ProbeFailure> {
        let server = ChildProcess.run(path, ["version", "--format", "{{.Server.Version}}"], mergingErrors: true)
        let said = server.output.trimmingWhiteSpace()
        guard server.status == 0, !said.isEmpty else {
            let lastLine = said.split(separator: "\n").last.map(String.init) ?? "exit status \(server.status)"
            return .failure(ProbeFailure(reason: lastLine))
        }
        return .success(ContainerEngine(path: path))
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
