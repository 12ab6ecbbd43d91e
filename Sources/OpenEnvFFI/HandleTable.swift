import OpenEnvCore

/// Objects handed out to C as opaque handles: sessions, completion queues.
///
/// A handle is a number standing in for a pointer: 48 random bits and a 16-bit check of them
/// under a key of this process's. A closed handle is not in the table (OPENENV_CLOSED); a
/// number the library never handed out (a small integer cast to a handle, a corrupted pointer)
/// fails the check (OPENENV_INVALID_ARGUMENT) and cannot reach another caller's session.
/// Either way: an error, never a crash or a double free.
final class HandleTable<Object: AnyObject & Sendable>: @unchecked Sendable {
    /// Guards `objects` (a pthread lock, which ThreadSanitizer sees; see `Mutex`).
    private let lock = Mutex()
    private var objects: [UInt: Object] = [:]
    private let key = UInt.random(in: 1...UInt.max) | 1
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
            var handle: UInt
            repeat {
                let random = UInt.random(in: 1...(1 << 47))
                handle = random << 16 | check(random)
            } while objects[handle] != nil
            objects[handle] = object
            return OpaquePointer(bitPattern: handle)!
        }
    }

    /// The object behind `handle`.
    func object(_ handle: OpaquePointer?, named name: String) throws(FFIError) -> Object {
        guard let handle else { throw FFIError(.invalidArgument, "\(name) is NULL; pass a handle from \(opener)") }
        try requireGenuine(handle, named: name)
        let object = lock.withLock { objects[UInt(bitPattern: handle)] }
        guard let object else {
            throw FFIError(.closed, "the \(kind) handle is closed or was never opened; make a new one with \(opener)")
        }
        return object
    }

    /// Removes `handle` and returns its object, or nil when it is closed already.
    func remove(_ handle: OpaquePointer, named name: String) throws(FFIError) -> Object? {
        try requireGenuine(handle, named: name)
        return lock.withLock { objects.removeValue(forKey: UInt(bitPattern: handle)) }
    }

    private func check(_ random: UInt) -> UInt {
        ((random &* key) >> 48) & 0xFFFF
    }

    /// Refuses a number this library never handed out as a handle.
    private func requireGenuine(_ handle: OpaquePointer, named name: String) throws(FFIError) {
        let value = UInt(bitPattern: handle)
        guard value >> 16 != 0, value & 0xFFFF == check(value >> 16) else {
            throw FFIError(.invalidArgument, "\(name) is not a \(kind) handle this library made (a stray or corrupted pointer); pass a handle from \(opener)")
        }
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
