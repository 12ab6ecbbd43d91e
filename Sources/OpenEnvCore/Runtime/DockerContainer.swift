#if canImport(Glibc)
import Glibc
#endif

/// An environment server in a container, run through a Docker-compatible CLI (argv, never a
/// shell; see `ContainerEngine` for which): `run -d --pull=never --label <owner> -p
/// 127.0.0.1:<port>:8000 -e K=V ... IMAGE`, removed on `stop()`, and by `ContainerWatcher`
/// when this process ends without stopping it.
///
/// While the server starts, `/health` is polled every 20 ms and the engine's `wait` runs beside
/// it, so a container that stops (a crash at start, a bad command) is reported as soon as it
/// stops, with its exit code and the last lines of its log, not when `waitTimeout` runs out.
public final class DockerContainer: ServerRuntime, @unchecked Sendable {
    public let baseURL: String
    /// The container's id, as `run -d` printed it.
    public let containerID: String
    /// The engine that runs it.
    public let engine: ContainerEngine
    private let lock = Mutex()
    private var stopped = false

    /// The `run` arguments for `image` published on loopback `port`, labelled with `owner`.
    static func runArguments(image: String, port: Int, environmentVariables: [String: String], owner: String) -> [String] {
        var arguments = ["run", "-d", "--pull=never", "--label", "\(ContainerWatcher.ownerLabel)=\(owner)", "-p", "127.0.0.1:\(port):8000"]
        for (name, value) in environmentVariables.sorted(by: { $0.key < $1.key }) {
            arguments += ["-e", "\(name)=\(value)"]
        }
        return arguments + [image]
    }

    /// Starts `image` and waits until its server is healthy.
    /// - Parameters:
    ///   - engine: the container command (see `ContainerEngine.resolve`); nil chooses.
    public init(image: String, environmentVariables: [String: String] = [:], waitTimeout: Double = 30, engine choice: String? = nil) throws(RuntimeError) {
        guard !image.isEmpty, !image.hasPrefix("-") else { throw .invalidOption("invalid Docker image name '\(image)'") }
        for name in environmentVariables.keys where name.isEmpty || name.contains("=") {
            throw .invalidOption("invalid environment variable name '\(name)'")
        }
        let port = LocalServerProcess.freePort()
        baseURL = "http://127.0.0.1:\(port)"
        let arguments = Self.runArguments(image: image, port: port, environmentVariables: environmentVariables, owner: ContainerWatcher.owner)
        let started = try ContainerEngine.run(arguments, choosing: choice)
        let engine = started.engine
        self.engine = engine
        var run = (status: started.status, output: started.output)
        if run.status != 0, Self.saysImageIsMissing(run.output) {
            let pull = engine.run(["pull", image])
            guard pull.status == 0 else { throw .imageMissing(image: image, reason: Self.lastLine(of: pull.output)) }
            run = engine.run(arguments)
        }
        guard run.status == 0 else { throw .launchFailed("\(engine.path) run \(image) failed: \(run.output.trimmingWhiteSpace())") }
        let container = Self.lastLine(of: run.output)
        containerID = container
        let watcher = ContainerWatcher.shared(for: engine)
        watcher?.watch(container)
        defer { watcher?.sweepOrphans() }
        do {
            try Self.waitUntilServing(baseURL, container: container, image: image, engine: engine, timeout: waitTimeout)
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// Removes the container at once (SIGKILL, no stop timeout). Idempotent.
    public func stop() {
        let first = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        if first { _ = engine.run(engine.removeArguments([containerID])) }
    }

    /// Polls `/health` with the engine's `wait` on the container running beside it.
    private static func waitUntilServing(_ baseURL: String, container: String, image: String, engine: ContainerEngine, timeout: Double) throws(RuntimeError) {
        let waiter = try? ChildProcess(engine.path, ["wait", container], output: .discarded)
        defer {
            waiter?.send(SIGKILL)
            waiter?.waitUntilExit()
        }
        var watching = waiter != nil
        try waitUntilHealthy(baseURL, timeout: timeout, interval: 0.02, check: { () throws(RuntimeError) in
            guard watching, waiter?.isRunning == false else { return }
            // `wait` returned: the container stopped (or `wait` itself failed: then look).
            let state = engine.run(["inspect", "--format", "{{.State.Running}} {{.State.ExitCode}}", container])
            let words = state.output.trimmingWhiteSpace().split(separator: " ")
            if state.status == 0, words.first == "true" {
                watching = false  // still running: health alone decides
                return
            }
            let exitCode = state.status == 0 ? words.last.flatMap { Int32($0) } ?? -1 : -1
            throw .containerStopped(container: container, image: image, exitCode: exitCode, log: logTail(container, engine: engine))
        }, output: { logTail(container, engine: engine) })
    }

    /// The container's last 20 log lines (standard output and error).
    private static func logTail(_ container: String, engine: ContainerEngine) -> String {
        let text = engine.run(["logs", "--tail", "20", container]).output.trimmingWhiteSpace()
        return text.isEmpty ? "(no output)" : text
    }

    /// Whether `run --pull=never`'s output says the image is not present (Docker's and podman's wording).
    static func saysImageIsMissing(_ output: String) -> Bool {
        ["image not known", "No such image", "Unable to find image", "image not found"].contains { output.contains($0) }
    }

    private static func lastLine(of output: String) -> String {
        output.trimmingWhiteSpace().split(separator: "\n").last.map { String($0).trimmingWhiteSpace() } ?? ""
    }
}
