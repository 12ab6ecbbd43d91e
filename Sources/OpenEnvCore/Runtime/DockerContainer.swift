/// An environment server in a Docker container, run through the `docker` CLI (argv, never a
/// shell): `docker run -d -p 127.0.0.1:<port>:8000 -e K=V ... IMAGE`, removed on `stop()`.
public final class DockerContainer: ServerRuntime, @unchecked Sendable {
    public let baseURL: String
    /// The container's id, as `docker run -d` printed it.
    public let containerID: String
    private let docker: String
    private let lock = Mutex()
    private var stopped = false

    /// The `docker run` arguments for `image` published on loopback `port`.
    static func runArguments(image: String, port: Int, environmentVariables: [String: String]) -> [String] {
        var arguments = ["run", "-d", "-p", "127.0.0.1:\(port):8000"]
        for (name, value) in environmentVariables.sorted(by: { $0.key < $1.key }) {
            arguments += ["-e", "\(name)=\(value)"]
        }
        return arguments + [image]
    }

    /// Starts `image` and waits until its server is healthy.
    public init(image: String, environmentVariables: [String: String] = [:], waitTimeout: Double = 30, docker: String? = nil) throws(RuntimeError) {
        guard !image.isEmpty, !image.hasPrefix("-") else { throw .invalidOption("invalid Docker image name '\(image)'") }
        for name in environmentVariables.keys where name.isEmpty || name.contains("=") {
            throw .invalidOption("invalid environment variable name '\(name)'")
        }
        guard let docker = docker ?? Self.dockerOnPath() else {
            throw .dockerUnavailable("docker is not installed (no 'docker' on PATH); install it, or leave docker_image unset to run the environment as a local process")
        }
        self.docker = docker
        let port = LocalServerProcess.freePort()
        baseURL = "http://127.0.0.1:\(port)"
        let run = Self.execute(docker, Self.runArguments(image: image, port: port, environmentVariables: environmentVariables))
        guard run.status == 0 else {
            let reason = run.output.trimmingWhiteSpace()
            if reason.contains("Cannot connect to the Docker daemon") || reason.contains("docker.sock") {
                throw .dockerUnavailable("no Docker engine answers (\(reason)). Start one, or leave docker_image unset to run the environment as a local process")
            }
            throw .launchFailed("docker run \(image) failed: \(reason)")
        }
        containerID = run.output.trimmingWhiteSpace()
        do {
            try waitUntilHealthy(baseURL, timeout: waitTimeout, hasExited: { nil }, output: { [docker, containerID] in
                Self.execute(docker, ["logs", "--tail", "20", containerID]).output
            })
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// Removes the container (idempotent).
    public func stop() {
        let first = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        if first { _ = Self.execute(docker, ["rm", "-f", containerID]) }
    }

    static func dockerOnPath() -> String? {
        FileSystem.onPath("docker")
    }

    /// Runs `executable arguments` to completion; its exit status and combined output.
    static func execute(_ executable: String, _ arguments: [String]) -> (status: Int32, output: String) {
        ChildProcess.run(executable, arguments, mergingErrors: true)
    }
}
