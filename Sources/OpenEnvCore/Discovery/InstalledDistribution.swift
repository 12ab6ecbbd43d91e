/// One installed Python distribution: a `.dist-info` (or legacy `.egg-info`) folder and what
/// its files say.
struct InstalledDistribution {
    /// The metadata folder.
    let metadataPath: String
    /// The search path entry it was found in.
    let searchPath: String
    /// The distribution name as written in its metadata (or, failing that, its folder name).
    let name: String
    /// The PEP 503 normal form of `name`, with `_` (`openenv_parrot_env`).
    let normalizedName: String
    let version: String
    let summary: String?
    /// Problems met while reading the metadata.
    private(set) var warnings: [DiscoveryWarning] = []

    /// Whether this is a legacy `.egg-info` folder.
    var isEggInfo: Bool { metadataPath.hasSuffix(".egg-info") }

    /// Reads the name and version from the metadata file, falling back to the folder name
    /// (`name-version.dist-info`) with a warning when the file lacks them.
    init(metadataPath: String, searchPath: String) {
        self.metadataPath = metadataPath
        self.searchPath = searchPath
        let folder = String(metadataPath.split(separator: "/").last ?? "")
        let stem = folder.hasSuffix(".dist-info") ? folder.dropLast(10) : folder.dropLast(9)
        let dash = stem.firstIndex(of: "-")
        let folderName = String(dash.map { stem[..<$0] } ?? stem)
        let folderVersion = dash.map { String(stem[stem.index(after: $0)...]).split(separator: "-").first.map(String.init) ?? "" }

        let metadataFile = FileSystem.join(metadataPath, folder.hasSuffix(".dist-info") ? "METADATA" : "PKG-INFO")
        var metadata = DistributionMetadata(text: "")
        var lossy = false
        var problems: [DiscoveryWarning] = []
        do {
            metadata = DistributionMetadata(text: try FileSystem.readText(metadataFile, lossy: &lossy))
            if lossy {
                problems.append(DiscoveryWarning(path: metadataFile, message: "not valid UTF-8; invalid bytes were replaced"))
            }
        } catch {
            problems.append(DiscoveryWarning(path: metadataFile, message: "\(error.reason); using the folder name instead"))
        }
        if metadata.name == nil && problems.isEmpty {
            problems.append(DiscoveryWarning(path: metadataFile, message: "has no Name field; using the folder name '\(folderName)'"))
        }
        name = metadata.name ?? folderName
        normalizedName = EnvironmentName.normalizedDistribution(name)
        version = metadata.version ?? folderVersion ?? "0"
        summary = metadata.summary.flatMap { $0.isEmpty || $0 == "UNKNOWN" ? nil : $0 }
        warnings = problems
    }

    /// The lines of a small text file in the metadata folder, or nil when it is absent.
    func lines(of file: String) -> [Substring]? {
        var lossy = false
        guard let text = try? FileSystem.readText(FileSystem.join(metadataPath, file), lossy: &lossy) else { return nil }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingWhiteSpace()[...] }.filter { !$0.isEmpty }
    }

    /// Import names from `top_level.txt`.
    var topLevelModules: [String] {
        (lines(of: "top_level.txt") ?? []).map(String.init)
    }

    /// Top-level packages listed in `RECORD` (folders holding an `__init__.py`), plus the
    /// editable finder files it installed.
    var recordEntries: (packages: [String], finders: [String]) {
        var packages: [String] = []
        var finders: [String] = []
        for line in lines(of: isEggInfo ? "installed-files.txt" : "RECORD") ?? [] {
            let path = line.split(separator: ",", maxSplits: 1).first ?? line
            let parts = path.split(separator: "/")
            if parts.count == 2, parts[1] == "__init__.py", !parts[0].hasPrefix("."), !parts[0].hasSuffix(".dist-info") {
                packages.append(String(parts[0]))
            } else if parts.count == 1, parts[0].hasPrefix("__editable__"), parts[0].hasSuffix("_finder.py") {
                finders.append(String(parts[0]))
            }
        }
        return (packages, finders)
    }

    /// The import package of the `server` console script (`parrot_env.server.app:main` -> `parrot_env`).
    var serverEntryPointModule: String? {
        guard let lines = lines(of: "entry_points.txt") else { return nil }
        var inConsoleScripts = false
        for line in lines {
            if line.hasPrefix("[") {
                inConsoleScripts = line == "[console_scripts]"
                continue
            }
            guard inConsoleScripts, let equals = line.firstIndex(of: "=") else { continue }
            guard line[..<equals].trimmingWhiteSpace() == "server" else { continue }
            let target = line[line.index(after: equals)...].trimmingWhiteSpace()
            return target.split(whereSeparator: { $0 == "." || $0 == ":" }).first.map(String.init)
        }
        return nil
    }

    /// The source folder of an editable install, from `direct_url.json`.
    var editableSourceRoot: String? {
        guard let bytes = try? FileSystem.read(FileSystem.join(metadataPath, "direct_url.json")),
            let json = try? JSONParser().parse(bytes),
            case .bool(true)? = json["dir_info"]?["editable"],
            let url = json["url"]?.stringValue, url.hasPrefix("file://")
        else { return nil }
        return Self.percentDecoded(String(url.dropFirst("file://".count)))
    }

    private static func percentDecoded(_ text: String) -> String {
        var bytes: [UInt8] = []
        var utf8 = text.utf8[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
