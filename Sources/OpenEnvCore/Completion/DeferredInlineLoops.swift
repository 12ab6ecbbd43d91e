/// The inline loops holding deferred submissions, so that a flush (`openenv_submit_flush`,
/// which wakes the engine's I/O thread for its own) wakes them too. A loop is listed while its
/// inbox holds any (it lists and unlists itself under its own lock): usually its next pass takes
/// them long before any flush.
final class DeferredInlineLoops: @unchecked Sendable {
    /// The list of this process.
    static let shared = DeferredInlineLoops()

    private let lock = Mutex()
    private var loops: [ObjectIdentifier: SessionLoop] = [:]

    /// Lists `loop`.
    func add(_ loop: SessionLoop) {
        lock.withLock { loops[ObjectIdentifier(loop)] = loop }
    }

    /// Unlists `loop`.
    func remove(_ loop: SessionLoop) {
        lock.withLock { loops[ObjectIdentifier(loop)] = nil }
    }

    /// Wakes every listed loop.
    func wakeAll() {
        let listed = lock.withLock { Array(loops.values) }
        for loop in listed { loop.wakeForDeferred() }
    }
}
