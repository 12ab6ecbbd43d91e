#if canImport(Glibc)
import Glibc
#endif

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

    /// The environments and warnings; every folder's scan is reused while it is current.
    public func discover() -> DiscoveryResult {
        guard usesCache else { return EnvironmentScanner.merge(searchPaths.map(EnvironmentScanner.scan)) }
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
}

/// The in-process memory of folder scans and of merged results.
///
/// A look-up re-stamps each folder of its search path (microseconds); a changed folder is
/// rescanned (or read from the disk cache another process wrote) and the result merged anew.
final class DiscoveryMemo: @unchecked Sendable {
    static let shared = DiscoveryMemo()

    private let lock = Mutex()
    private var scans: [String: SearchPathScan] = [:]
    /// Merged results with the fingerprints of the folder scans they were merged from.
    private var merged: [String: (fingerprints: [Fingerprint], result: DiscoveryResult)] = [:]
    /// Per cache folder, why the last save failed (cleared by a save that works).
    private var cacheProblems: [String: DiscoveryWarning] = [:]

    func result(for discovery: Discovery) -> DiscoveryResult {
        lock.lock()
        defer { lock.unlock() }
        let cache = DiscoveryCache(directory: discovery.cacheDirectory)
        var current: [SearchPathScan] = []
        for path in discovery.searchPaths {
            let key = cache.directory + "\u{0}" + path
            if let remembered = scans[key], remembered.fingerprint.isCurrent {
                current.append(remembered)
                continue
            }
            let scan = cache.load(path) ?? {
                let fresh = EnvironmentScanner.scan(path)
                if fresh.fingerprint.isCurrent { cacheProblems[cache.directory] = cache.store(fresh) }
                return fresh
            }()
            scans[key] = scan
            current.append(scan)
        }
        let mergedKey = cache.directory + "\u{1}" + discovery.searchPaths.joined(separator: "\u{0}")
        let fingerprints = current.map(\.fingerprint)
        var result: DiscoveryResult
        if let remembered = merged[mergedKey], remembered.fingerprints == fingerprints {
            result = remembered.result
        } else {
            result = EnvironmentScanner.merge(current)
            merged[mergedKey] = (fingerprints, result)
        }
        if let problem = cacheProblems[cache.directory] { result.warnings.append(problem) }
        return result
    }

    /// Drops every remembered result, as a new process starts without them.
    func forgetAll() {
        lock.lock()
        scans.removeAll()
        merged.removeAll()
        cacheProblems.removeAll()
        lock.unlock()
    }
}
