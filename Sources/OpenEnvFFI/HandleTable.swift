import Foundation
import OpenEnvCore

/// Objects handed out to C as opaque handles: sessions, completion queues.
///
/// A handle is a number, never reused, standing in for a pointer: a closed, forged or stale
/// handle is simply not in the table, so using one is an error, never a crash or a double free.
final class HandleTable<Object: AnyObject>: @unchecked Sendable {
    private let lock = NSLock()
    private var objects: [UInt: Object] = [:]
    private var next: UInt = 1
    /// What a handle is, and the call that makes one, for error messages.
    private let kind: String
    private let opener: String

    init(kind: String, opener: String) {
        self.kind = kind
        self.opener = opener
    }

    /// Registers an object and returns its handle.
    func insert(_ object: Object) -> OpaquePointer {
        lock.withLock {
            let handle = next
            next += 1
            objects[handle] = object
            return OpaquePointer(bitPattern: handle)!
        }
    }

    /// The object behind `handle`.
    func object(_ handle: OpaquePointer?, named name: String) throws(FFIError) -> Object {
        guard let handle else { throw FFIError(.invalidArgument, "\(name) is NULL; pass a handle from \(opener)") }
        let object = lock.withLock { objects[UInt(bitPattern: handle)] }
        guard let object else {
            throw FFIError(.closed, "the \(kind) handle is closed or was never opened; make a new one with \(opener)")
        }
        return object
    }

    /// Removes `handle` and returns its object, or nil when it is not open.
    func remove(_ handle: OpaquePointer) -> Object? {
        lock.withLock { objects.removeValue(forKey: UInt(bitPattern: handle)) }
    }
}

/// The open sessions.
let sessionHandles = HandleTable<EnvSession>(kind: "session", opener: "openenv_connect")

/// The open completion queues.
let queueHandles = HandleTable<CompletionQueue>(kind: "queue", opener: "openenv_queue_new")

extension HandleTable where Object == EnvSession {
    /// The session behind `handle` (argument `env`).
    func session(_ handle: OpaquePointer?) throws(FFIError) -> EnvSession {
        try object(handle, named: "env")
    }
}
