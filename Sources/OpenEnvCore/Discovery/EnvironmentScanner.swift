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
/// Distributions are examined independently on all cores (the work is mostly system calls on
/// small files), then merged in search-path order, so the result does not depend on timing.
struct EnvironmentScanner {
    /// Distributions named `openenv-*` that are the framework or its tools, not environments.
    static let frameworkDistributions: Set<String> = ["openenv", "openenv_core", "openenv_swift", "openenv_cli"]

    let searchPaths: [String]
    /// Paths whose change could change the result: the search paths, `.pth` and finder files,
    /// and the sources of editable installs that live outside the search paths. Filled by `scan`.
    private(set) var watchedPaths: [String] = []

    init(searchPaths: [String]) {
        self.searchPaths = searchPaths
    }

    /// Scans every search path in order.
    mutating func scan() -> DiscoveryResult {
        var warnings: [DiscoveryWarning] = []
        var jobs: [DistributionExamination] = []
        for searchPath in searchPaths {
            watchedPaths.append(searchPath)
            guard let names = FileSystem.list(searchPath) else { continue }
            let metadataFolders = names.filter { $0.hasSuffix(".dist-info") || $0.hasSuffix(".egg-info") }.sorted()
            guard !metadataFolders.isEmpty else { continue }
            let editables = EditableInstalls(searchPath: searchPath, names: names)
            watchedPaths.append(contentsOf: editables.filesRead)
            warnings.append(contentsOf: editables.warnings)
            jobs += metadataFolders.map { folder in
                DistributionExamination(metadataPath: FileSystem.join(searchPath, folder), searchPath: searchPath, editables: editables)
            }
        }
        let outcomes = Self.examineConcurrently(jobs)

        var environments: [EnvironmentInfo] = []
        var seenDistributions: Set<String> = []
        var keyOwners: [String: String] = [:]
        for outcome in outcomes {
            guard seenDistributions.insert(outcome.normalizedName).inserted, !outcome.isFramework else { continue }
            warnings += outcome.warnings
            watchedPaths += outcome.watchedPaths
            guard let info = outcome.environment else { continue }
            if let owner = keyOwners[info.envKey] {
                warnings.append(DiscoveryWarning(
                    path: info.distInfoPath,
                    message: "environment '\(info.envKey)' is also provided by \(owner), found earlier on the search path; this one is ignored"))
                continue
            }
            keyOwners[info.envKey] = info.package
            environments.append(info)
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
/// after all of them finished (`concurrentPerform` returns when they have).
private final class OutcomeSlots: @unchecked Sendable {
    private var slots: [DistributionExamination.Outcome?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ outcome: DistributionExamination.Outcome, at index: Int) {
        slots.withUnsafeMutableBufferPointer { $0[index] = outcome }
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
