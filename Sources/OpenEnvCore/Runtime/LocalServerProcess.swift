#if canImport(Glibc)
import Glibc
#endif

/// An environment's server run as a child process: `python -m uvicorn <package>.server.app:app`
/// with the interpreter that owns the package, on 127.0.0.1 and a free port. No Docker needed.
///
/// The child dies with its parent: it asks the kernel for SIGKILL when the thread that started
/// it exits (`PR_SET_PDEATHSIG`) before it turns into uvicorn, so a parent that is killed, or
/// exits without `stop()`, leaves no server behind. That thread is `SpawnThread`, which lives
/// as long as the process.
public final class LocalServerProcess: ServerRuntime, @unchecked Sendable {
    public let baseURL: String
    private let process: ChildProcess
    private let logPath: String
    private let lock = Mutex()
    private var stopped = false

    /// Runs before uvicorn inside the child: parent-death signal, then exec.
    private static let bootstrap = """
        import ctypes, os, signal, sys
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))
        if os.getppid() != int(sys.argv[1]):
            os._exit(70)
        os.execv(sys.executable, [sys.executable, "-m", "uvicorn", *sys.argv[2:]])
        """

    /// Starts the server of `environment` and waits until it is healthy.
    /// - Parameters:
    ///   - python: the interpreter; default: the one owning the package's search path, else `python3`.
    ///   - environmentVariables: added to this process's environment for the server.
    ///   - waitTimeout: seconds to wait for `/health`.
    public convenience init(environment: EnvironmentInfo, python: String? = nil, environmentVariables: [String: String] = [:], waitTimeout: Double = 30) throws(RuntimeError) {
        try self.init(environment: environment, python: python, environmentVariables: environmentVariables, waitTimeout: waitTimeout, choosingPorts: Self.freePort)
    }

    /// How many ports a start tries. A port is free when the engine picks it, but another
    /// process can bind it before uvicorn does; the server then exits at once saying so, and
    /// starts again on another port.
    static let portAttempts = 3

    /// Starts the server on ports from `choosePort` (tests hand it a taken one).
    init(environment: EnvironmentInfo, python: String?, environmentVariables: [String: String], waitTimeout: Double,
         choosingPorts choosePort: () -> Int) throws(RuntimeError) {
        let interpreter = python ?? Self.interpreter(owning: environment.searchPath)
        let variables = FileSystem.environment().merging(environmentVariables) { _, new in new }
        var attempt = 0
        while true {
            attempt += 1
            let port = choosePort()
            let url = "http://127.0.0.1:\(port)"
            // In this user's own folder (never a shared one, where another user could plant a link).
            let log = FileSystem.join(PrivateFolder.temporary ?? "/nonexistent", "openenv-server-\(getpid())-\(port).log")
            unlink(log)  // a log left by an earlier process of the same id; a missing log shows as "(no output)"
            let arguments = ["-c", Self.bootstrap, String(getpid()), Self.appPath(for: environment), "--host", "127.0.0.1", "--port", String(port)]
            let child: ChildProcess
            do {
                child = try SpawnThread.shared.run { () throws(ChildProcess.SpawnError) in
                    try ChildProcess(interpreter, arguments, environment: variables, output: PrivateFolder.temporary == nil ? .discarded : .file(log))
                }
            } catch {
                throw .launchFailed("\(error). Pass the interpreter that has the environment installed (python=...)")
            }
            do {
                try waitUntilHealthy(url, timeout: waitTimeout, check: { () throws(RuntimeError) in
                    if let status = child.terminationStatus { throw .exitedEarly(status: status, output: Self.tail(of: log)) }
                }, output: { Self.tail(of: log) })
            } catch {
                Self.terminate(child)
                unlink(log)
                if case .exitedEarly(_, let output) = error, output.contains("address already in use"), attempt < Self.portAttempts { continue }
                throw error
            }
            process = child
            logPath = log
            baseURL = url
            return
        }
    }

    deinit {
        stop()
        unlink(logPath)
    }

    /// Whether the server process has ended (stopped, crashed or killed).
    public var hasExited: Bool { !process.isRunning }

    /// Stops the server: SIGTERM, then SIGKILL after 5 seconds. Idempotent.
    public func stop() {
        let first = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        if first { Self.terminate(process) }
    }

    /// Ends `process` if it runs: SIGTERM, then SIGKILL after 5 seconds; reaps it.
    private static func terminate(_ process: ChildProcess) {
        guard process.isRunning else { return }
        process.send(SIGTERM)
        let deadline = Deadline(seconds: 5)
        while process.isRunning && deadline.remainingMilliseconds > 0 { usleep(20_000) }
        process.send(SIGKILL)
        process.waitUntilExit()
    }

    /// `<import package>.<app>` from the manifest's `app` (`server.app:app`), else the
    /// template's `<import package>.server.app:app`.
    static func appPath(for environment: EnvironmentInfo) -> String {
        environment.importName + "." + (environment.app ?? "server.app:app")
    }

    /// The interpreter of the virtualenv or installation whose site-packages is `searchPath`
    /// (`<prefix>/lib/pythonX.Y/site-packages` -> `<prefix>/bin/python`), else `python3` on PATH.
    static func interpreter(owning searchPath: String) -> String {
        let parts = searchPath.split(separator: "/")
        if parts.count >= 3, parts.last == "site-packages" || parts.last == "dist-packages", parts[parts.count - 3] == "lib" {
            let prefix = "/" + parts.dropLast(3).joined(separator: "/")
            for name in ["python", "python3"] where FileSystem.isFile(prefix + "/bin/" + name) {
                return prefix + "/bin/" + name
            }
        }
        return FileSystem.onPath("python3") ?? "/usr/bin/python3"
    }

    /// A port the kernel says is free now.
    static func freePort() -> Int {
        let bound = loopbackSocket()
        close(bound.descriptor)
        return bound.port
    }

    /// A TCP socket bound to a loopback port of the kernel's choosing, and that port.
    static func loopbackSocket() -> (descriptor: Int32, port: Int) {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = bind(socket, $0, length) }
        }
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(socket, $0, &length) }
        }
        return (socket, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// The last 20 lines of a log file.
    static func tail(of path: String) -> String {
        guard let bytes = try? FileSystem.read(path) else { return "(no output)" }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let text = lines.suffix(21).joined(separator: "\n").trimmingWhiteSpace()
        return text.isEmpty ? "(no output)" : text
    }
}
