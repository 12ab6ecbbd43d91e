import Dispatch

/// Everything one scan of the search paths found.
public struct DiscoveryResult: Sendable, Equatable {
    /// The environments, sorted by key.
    public var environments: [EnvironmentInfo]
    /// Packages that were skipped or degraded, and why.
    public var warnings: [DiscoveryWarning]
}

/// Scans Python search paths for installed environment packages, reading files only.
///
/// A distribution is an environment when its name starts with `openenv-` (other than the
/// framework's own distributions), or when its import package ships an `openenv.yaml` or a
/// client class deriving from an OpenEnv client. The first distribution of a name on the
/// search path wins, as it would for Python's import.
///
/// Each folder is scanned on its own (``scan(_:)``), its distributions examined on all cores
/// (the work is mostly system calls on small files); folders are then merged in search-path
/// order (``merge(_:)``), so the result never depends on timing.
enum EnvironmentScanner {
    /// Distributions named `openenv-*` that are the framework or its tools, not environments.
    static let frameworkDistributions: Set<String> = ["openenv", "openenv_core", "openenv_swift", "openenv_cli"]

    /// Scans one search path folder.
    static func scan(_ searchPath: String) -> SearchPathScan {
        // Stamped before listing: a change during the scan makes the stamp stale, never the result.
        var fingerprint = Fingerprint(paths: [searchPath])
        let names = FileSystem.list(searchPath) ?? []
        let metadataFolders = names.filter { $0.hasSuffix(".dist-info") || $0.hasSuffix(".egg-info") }.sorted()
        guard !metadataFolders.isEmpty else {
            return SearchPathScan(path: searchPath, distributions: [], findings: [], warnings: [], fingerprint: fingerprint)
        }
        let editables = EditableInstalls(searchPath: searchPath, names: names)
        fingerprint.add(editables.filesRead)
        let jobs = metadataFolders.map { folder in
            DistributionExamination(metadataPath: FileSystem.join(searchPath, folder), searchPath: searchPath, editables: editables)
        }
        let outcomes = examineConcurrently(jobs)
        fingerprint.add(outcomes.flatMap(\.watchedPaths))
        let findings = outcomes.filter { $0.environment != nil || !$0.warnings.isEmpty }.map { outcome in
            SearchPathScan.Finding(distribution: outcome.normalizedName, environment: outcome.environment, warnings: outcome.warnings)
        }
        return SearchPathScan(path: searchPath, distributions: outcomes.map(\.normalizedName), findings: findings,
                              warnings: editables.warnings, fingerprint: fingerprint)
    }

    /// The environments of folders scanned separately, as one search path in this order.
    static func merge(_ scans: [SearchPathScan]) -> DiscoveryResult {
        var environments: [EnvironmentInfo] = []
        var warnings: [DiscoveryWarning] = []
        var seenDistributions: Set<String> = []
        var keyOwners: [String: String] = [:]
        for scan in scans {
            warnings += scan.warnings
            var findings = scan.findings[...]
            for name in scan.distributions {
                let finding = findings.first?.distribution == name ? findings.popFirst() : nil
                guard seenDistributions.insert(name).inserted, let finding else { continue }
                warnings += finding.warnings
                guard let info = finding.environment else { continue }
                if let owner = keyOwners[info.envKey] {
                    warnings.append(DiscoveryWarning(
                        path: info.distInfoPath,
                        message: "environment '\(info.envKey)' is also provided by \(owner), found earlier on the search path; this one is ignored"))
                    continue
                }
                keyOwners[info.envKey] = info.package
                environments.append(info)
            }
        }
        environments.sort { $0.envKey < $1.envKey }
        return DiscoveryResult(environments: environments, warnings: warnings)
    }

    /// Runs every examination, in parallel chunks, returning outcomes in job order.
    private static func examineConcurrently(_ jobs: [DistributionExamination]) -> [DistributionExamination.Outcome] {
        let results = OutcomeSlots(count: jobs.count)
        let chunkSize = 16
        let chunks = (jobs.count + chunkSize - 1) / chunkSize
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            for index in chunk * chunkSize..<min(jobs.count, (chunk + 1) * chunkSize) {
                results.store(jobs[index].examine(), at: index)
            }
        }
        return results.all
    }
}

/// Fixed slots written by concurrent workers, each slot by exactly one worker, and read only
/// after all of them finished (`concurrentPerform` returns when they have). The slots are one
/// allocation that never moves: an array's `withUnsafeMutableBufferPointer` is a mutating
/// access of the whole array, which workers on several threads must not make at once
/// (ThreadSanitizer reported it).
private final class OutcomeSlots: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<DistributionExamination.Outcome?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        _ = slots.deinitialize()
        slots.deallocate()
    }

    func store(_ outcome: DistributionExamination.Outcome, at index: Int) {
        slots[index] = outcome
    }

    var all: [DistributionExamination.Outcome] { slots.map { $0! } }
}

extension Array where Element: Hashable {
    /// The elements in order, without repeats.
    func uniqued() -> [Element] {
        var seen: Set<Element> = []
        return filter { seen.insert($0).inserted }
    }
}
