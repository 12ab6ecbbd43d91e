#if canImport(Glibc)
import Glibc
#endif

/// Removes the containers this process started when it ends, however it ends (SIGKILL too).
///
/// The design, in two parts that cover each other's gaps:
///
/// 1. **A watcher per process and engine.** On the first container, the library starts a small
///    `/bin/sh` script in a session of its own (so a terminal's Ctrl-C to this process's group
///    does not reach it), whose standard input is one end of a socket pair; this process holds
///    the only other end (close-on-exec, so no server or other child inherits it). The script
///    reads the id of every container this process starts (and of the containers a provider
///    such as openenv's `LocalDockerProvider` starts for it, given through
///    `openenv_container_watch`). When this process ends, by `exit`, a crash or SIGKILL, the
///    kernel closes its end, the script reads end-of-file, and removes those containers and any
///    container labelled with this process as owner (one created while its id was on the way).
///    The kernel does this, not the dying process, so nothing depends on it running code.
/// 2. **A sweep of orphans at the next start.** Every container the library runs carries the
///    label `org.openenv-swift.owner=<host>/<boot id>/<pid>/<process start time>`. Once a
///    watcher's first container has started (not during that start, which it would slow), it
///    removes the containers whose owner, on this host, is gone: its
///    boot id is not this boot's, or no process with that pid and start time exists (a pid
///    alone could have been reused). This catches what a watcher could not: one killed itself
///    (e.g. with the whole process group by SIGKILL), or a machine that went down.
///
/// A process that forks (without exec) hands the child its end too; its containers are then
/// removed when both have ended.
final class ContainerWatcher: @unchecked Sendable {
    /// The label every container the library runs carries, naming its owning process.
    static let ownerLabel = "org.openenv-swift.owner"

    /// This process as an owner: `<host>/<boot id>/<pid>/<start time in clock ticks>`.
    static let owner: String = {
        func line(_ path: String) -> String {
            (try? FileSystem.read(path)).map { String(decoding: $0, as: UTF8.self).trimmingWhiteSpace() } ?? "unknown"
        }
        let host = line("/proc/sys/kernel/hostname"), boot = line("/proc/sys/kernel/random/boot_id")
        return "\(host)/\(boot)/\(getpid())/\(startTime(of: "/proc/self/stat") ?? "0")"
    }()

    /// Field 22 of `/proc/<pid>/stat` (the process's start time), read past the command name,
    /// which may hold spaces and parentheses.
    static func startTime(of statPath: String) -> String? {
        guard let bytes = try? FileSystem.read(statPath) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? String(fields[19]) : nil
    }

    /// The watcher script: `sh -c SCRIPT openenv-container-watcher ENGINE OWNER`. Reads lines
    /// until end-of-file: a container id to remove then, or `sweep` (the orphans' sweep, run once,
    /// when the owner's first container has started, so that it does not compete with that start;
    /// at the end if never asked). Then removes its owner's containers.
    static let script = #"""
        engine=$1 me=$2
        label=org.openenv-swift.owner
        trap '' INT HUP
        remove() {  # podman's rm -f waits the stop timeout unless told --time 0 (asked here, off the start's path)
            case $("$engine" --version </dev/null 2>/dev/null) in
                *odman*) "$engine" rm -f --time 0 "$@" </dev/null >/dev/null 2>&1 ;;
                *) "$engine" rm -f "$@" </dev/null >/dev/null 2>&1 ;;
            esac
        }
        sweep() {
            host=${me%%/*}
            boot=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null)
            orphans=
            for entry in $("$engine" ps -aq --filter "label=$label" </dev/null 2>/dev/null | xargs -r "$engine" inspect --format "{{.Id}}={{index .Config.Labels \"$label\"}}" 2>/dev/null); do
                id=${entry%%=*} owner=${entry#*=}
                IFS=/ read -r h b p s <<EOF
        $owner
        EOF
                [ "$h" = "$host" ] || continue
                if [ "$b" = "$boot" ] && [ -r "/proc/$p/stat" ]; then
                    stat=$(cat "/proc/$p/stat" 2>/dev/null) && set -f && set -- ${stat##*) } && set +f
                    [ "${20:-}" = "$s" ] && continue
                fi
                orphans="$orphans $id"
            done
            [ -z "$orphans" ] || remove $orphans
        }
        ids= swept=
        while IFS= read -r line; do
            if [ "$line" = sweep ]; then
                [ -n "$swept" ] || { swept=1; sweep; }
            else
                ids="$ids $line"
            fi
        done
        [ -n "$swept" ] || sweep
        mine=$("$engine" ps -aq --filter "label=$label=$me" 2>/dev/null)
        [ -z "$ids$mine" ] || remove $ids $mine
        """#

    private static let lock = Mutex()
    nonisolated(unsafe) private static var watchers: [String: ContainerWatcher] = [:]

    /// This process's watcher for `engine`, started (and the sweep run) on first use. Nil when
    /// it cannot be started; containers then still go on `stop()`, and the next sweep.
    static func shared(for engine: ContainerEngine) -> ContainerWatcher? {
        lock.withLock {
            if let watcher = watchers[engine.path] { return watcher }
            guard let watcher = ContainerWatcher(engine: engine) else { return nil }
            watchers[engine.path] = watcher
            return watcher
        }
    }

    /// This process's end of the socket pair; -1 when the watcher could not start.
    private let descriptor: Int32
    private let lock = Mutex()

    private init?(engine: ContainerEngine) {
        var ends: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else { return nil }
        do {
            _ = try ChildProcess("/bin/sh", ["-c", Self.script, "openenv-container-watcher", engine.path, Self.owner],
                                 output: .discarded, input: ends[1], newSession: true)
        } catch {
            close(ends[0])
            close(ends[1])
            return nil
        }
        close(ends[1])
        shutdown(ends[0], Int32(SHUT_RD))
        descriptor = ends[0]
    }

    private var sweepAsked = false

    /// Has `container` removed when this process ends (idempotent for the watcher: a container
    /// already removed is skipped then).
    func watch(_ container: String) {
        write(container)
    }

    /// Has the watcher sweep away other owners' orphans now (once; later calls do nothing).
    func sweepOrphans() {
        guard lock.withLock({ () -> Bool in defer { sweepAsked = true }; return !sweepAsked }) else { return }
        write("sweep")
    }

    private func write(_ text: String) {
        let line = Array((text + "\n").utf8)
        lock.withLock {
            var sent = 0
            while sent < line.count {
                let count = line[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { return }
                sent += count
            }
        }
    }
}

extension ContainerEngine {
    /// Has `container` (started by someone else, such as a caller's container provider, through
    /// this engine) removed when this process ends, as the library's own containers are.
    public func removeWhenThisProcessEnds(_ container: String) throws(RuntimeError) {
        guard !container.isEmpty, !container.hasPrefix("-"), !container.contains(where: { $0.isWhitespace }) else {
            throw .invalidOption("invalid container id '\(container)'")
        }
        guard let watcher = ContainerWatcher.shared(for: self) else {
            throw .launchFailed("cannot start the process that removes this process's containers when it ends (/bin/sh)")
        }
        watcher.watch(container)
    }
}
