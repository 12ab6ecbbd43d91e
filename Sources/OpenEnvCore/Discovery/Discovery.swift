import Foundation

/// Finds the OpenEnv environments installed on a set of Python search paths.
///
/// Results are reused across calls and processes while nothing they depend on has changed:
/// each call re-stamps the search paths (and editable sources), so an environment installed
/// or removed since the last call is seen at once.
public struct Discovery: Sendable {
    /// The folders scanned, in priority order.
    public let searchPaths: [String]
    /// Whether results may be kept in memory and on disk.
    public let usesCache: Bool
    /// Where the on-disk cache lives; nil for the default folder.
    public let cacheDirectory: String?

    /// Discovery over `searchPaths` (normalized), or the default search paths when nil.
    public init(searchPaths: [String]? = nil, usesCache: Bool = true, cacheDirectory: String? = nil) {
        self.searchPaths = SearchPaths.resolve(searchPaths)
        self.usesCache = usesCache
        self.cacheDirectory = cacheDirectory
    }

    /// The environments and warnings, from the cache when it is still current.
    public func discover() -> DiscoveryResult {
        guard usesCache else {
            var scanner = EnvironmentScanner(searchPaths: searchPaths)
            return scanner.scan()
        }
        return DiscoveryMemo.shared.result(for: self)
    }

    /// A registry of the current environments.
    public func registry() -> EnvironmentRegistry {
        EnvironmentRegistry(discover())
    }

    /// The environment named `name` in any spelling.
    public func environment(named name: String) throws(DiscoveryError) -> EnvironmentInfo {
        try registry().environment(named: name)
    }

    /// Scans now, ignoring and then replacing any cached result.
    func scanAndStore() -> (DiscoveryResult, DiscoveryCache.Fingerprint) {
        var scanner = EnvironmentScanner(searchPaths: searchPaths)
        let stampsBefore = DiscoveryCache.Fingerprint(paths: searchPaths)
        let result = scanner.scan()
        let fingerprint = DiscoveryCache.Fingerprint(paths: scanner.watchedPaths)
        // Store only when the search paths did not change during the scan.
        if stampsBefore.isCurrent {
            DiscoveryCache(searchPaths: searchPaths, directory: cacheDirectory).store(result, fingerprint: fingerprint)
        }
        return (result, fingerprint)
    }
}

/// The in-process memory of recent discoveries, one per set of search paths.
final class DiscoveryMemo: @unchecked Sendable {
    static let shared = DiscoveryMemo()

    private let lock = NSLock()
    private var entries: [String: (DiscoveryResult, DiscoveryCache.Fingerprint)] = [:]

    func result(for discovery: Discovery) -> DiscoveryResult {
        let key = (discovery.cacheDirectory ?? "") + "\u{1}" + discovery.searchPaths.joined(separator: "\u{0}")
        lock.lock()
        let remembered = entries[key]
        lock.unlock()
        if let (result, fingerprint) = remembered, fingerprint.isCurrent { return result }
        let fresh = DiscoveryCache(searchPaths: discovery.searchPaths, directory: discovery.cacheDirectory).load()
            ?? discovery.scanAndStore()
        lock.lock()
        entries[key] = fresh
        lock.unlock()
        return fresh.0
    }

    /// Drops every remembered result, as a new process starts without them.
    func forgetAll() {
        lock.lock()
        entries.removeAll()
        lock.unlock()
    }
}
