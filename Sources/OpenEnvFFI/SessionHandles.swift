import Foundation
import OpenEnvCore

/// The sessions handed out to C as opaque handles.
///
/// A handle is a number, never reused, standing in for a pointer: a closed, forged or stale
/// handle is simply not in the table, so using one is an error, never a crash or a double free.
final class SessionHandles: @unchecked Sendable {
    static let shared = SessionHandles()

    private let lock = NSLock()
    private var sessions: [UInt: EnvSession] = [:]
    private var next: UInt = 1

    /// Registers a session and returns its handle.
    func insert(_ session: EnvSession) -> OpaquePointer {
        lock.withLock {
            let handle = next
            next += 1
            sessions[handle] = session
            return OpaquePointer(bitPattern: handle)!
        }
    }

    /// The session behind `handle`.
    func session(_ handle: OpaquePointer?) throws(FFIError) -> EnvSession {
        guard let handle else { throw FFIError(.invalidArgument, "env is NULL; pass a handle from openenv_connect") }
        let session = lock.withLock { sessions[UInt(bitPattern: handle)] }
        guard let session else {
            throw FFIError(.closed, "the handle is closed or was never opened; open a new session with openenv_connect")
        }
        return session
    }

    /// Removes `handle` and returns its session, or nil when it is not open.
    func remove(_ handle: OpaquePointer) -> EnvSession? {
        lock.withLock { sessions.removeValue(forKey: UInt(bitPattern: handle)) }
    }
}
