import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// A program run as a child process through `posix_spawn`.
///
/// The engine's own, in place of Foundation's `Process`: Foundation brings ICU (tens of MB) into
/// a library that is otherwise a few MB, and slows every load of it. The child gets standard
/// input from `/dev/null` (or a descriptor given), default signal handling (SIGPIPE restored where a host such as Python
/// ignores it), and none of the parent's descriptors beyond the three standard ones.
final class ChildProcess: @unchecked Sendable {
    /// Where the child's standard output and standard error go.
    enum Output {
        /// A new file, created for it: the spawn fails when something (a file, a link) is
        /// already there (`O_EXCL|O_NOFOLLOW`).
        case file(String)
        /// The parent's standard error.
        case standardError
        /// Nowhere.
        case discarded
        /// Standard output into the pipe end `descriptor`; standard error too when
        /// `mergingErrors`, else nowhere.
        case pipe(descriptor: Int32, mergingErrors: Bool)
    }

    /// Why a program could not be started.
    struct SpawnError: Error, CustomStringConvertible {
        let executable: String
        let reason: String
        var description: String { "cannot run \(executable): \(reason)" }
    }

    /// The child's process id.
    let processIdentifier: pid_t
    private let lock = Mutex()
    private var exitStatus: Int32?

    /// Starts `executable` with `arguments`; `environment` nil passes this process's own.
    /// `input`: a descriptor for the child's standard input (default `/dev/null`);
    /// `newSession`: the child leads a session of its own, out of reach of the signals a
    /// terminal sends to this process's group.
    init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, output: Output,
         input: Int32? = nil, newSession: Bool = false) throws(SpawnError) {
        processIdentifier = try Self.spawn(executable, arguments, environment: environment, output: output, input: input, newSession: newSession)
    }

    private init(spawned: pid_t) { processIdentifier = spawned }

    /// Whether the child has not ended yet.
    var isRunning: Bool { terminationStatus == nil }

    /// The exit code, or the signal's number for a child killed by a signal; nil while it runs.
    var terminationStatus: Int32? { reap(blocking: false) }

    /// Waits for the child to end; its `terminationStatus`.
    @discardableResult
    func waitUntilExit() -> Int32 { reap(blocking: true)! }

    /// Sends `signal` to a child that has not been reaped.
    func send(_ signal: Int32) {
        lock.withLock {
            if exitStatus == nil { _ = kill(processIdentifier, signal) }
        }
    }

    /// Runs `executable arguments` to completion: its status (127 when it cannot start) and
    /// its standard output, with standard error too when `mergingErrors`.
    static func run(_ executable: String, _ arguments: [String], mergingErrors: Bool) -> (status: Int32, output: String) {
        var ends: [Int32] = [0, 0]
        guard pipe2(&ends, O_CLOEXEC) == 0 else { return (127, "cannot make a pipe: \(String(cString: strerror(errno)))") }
        let child: ChildProcess
        do {
            let pid = try spawn(executable, arguments, environment: nil, output: .pipe(descriptor: ends[1], mergingErrors: mergingErrors),
                                input: nil, newSession: false)
            child = ChildProcess(spawned: pid)
        } catch {
            close(ends[0])
            close(ends[1])
            return (127, error.description)
        }
        close(ends[1])
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(ends[0], $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            output += buffer[0..<count]
        }
        close(ends[0])
        return (child.waitUntilExit(), String(decoding: output, as: UTF8.self))
    }

    /// `posix_spawn` with the file actions for `output`.
    private static func spawn(_ executable: String, _ arguments: [String], environment: [String: String]?, output: Output,
                              input: Int32?, newSession: Bool) throws(SpawnError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let input {
            posix_spawn_file_actions_adddup2(&actions, input, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        switch output {
        case .file(let path):
            posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_APPEND, 0o600)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        case .standardError:
            posix_spawn_file_actions_adddup2(&actions, 2, 1)
        case .discarded:
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        case .pipe(let descriptor, let mergingErrors):
            posix_spawn_file_actions_adddup2(&actions, descriptor, 1)
            if mergingErrors {
                posix_spawn_file_actions_adddup2(&actions, descriptor, 2)
            } else {
                posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            }
        }
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // POSIX_SPAWN_SETSID (glibc 2.26) is a macro Swift does not import.
        let setSession: Int32 = newSession ? 0x80 : 0
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | setSession))

        let environmentLines = environment.map { $0.map { "\($0.key)=\($0.value)" } }
        var pid = pid_t()
        let status = withCStrings([executable] + arguments) { argv in
            if let environmentLines {
                return withCStrings(environmentLines) { posix_spawn(&pid, executable, &actions, &attributes, argv, $0) }
            }
            return posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        }
        guard status == 0 else { throw SpawnError(executable: executable, reason: String(cString: strerror(status))) }
        return pid
    }

    /// `waitpid` once; the status is kept, so later calls answer without the kernel.
    private func reap(blocking: Bool) -> Int32? {
        lock.withLock {
            if let exitStatus { return exitStatus }
            var raw: Int32 = 0
            var result: pid_t
            repeat {
                result = waitpid(processIdentifier, &raw, blocking ? 0 : WNOHANG)
            } while result < 0 && errno == EINTR
            guard result == processIdentifier else { return nil }
            // WIFEXITED/WEXITSTATUS/WTERMSIG are macros Swift cannot import.
            let signal = raw & 0x7f
            exitStatus = signal == 0 ? (raw >> 8) & 0xff : signal
            return exitStatus
        }
    }
}

/// Runs `body` with `strings` as a NULL-terminated array of C strings.
private func withCStrings<T>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> T) -> T {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}
