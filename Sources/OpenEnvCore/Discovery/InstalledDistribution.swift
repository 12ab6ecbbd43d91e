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
    ///
    /// RECORD files of large distributions run to thousands of lines, so they are scanned as
    /// bytes and only matching lines become strings.
    var recordEntries: (packages: [String], finders: [String]) {
        let file = FileSystem.join(metadataPath, isEggInfo ? "installed-files.txt" : "RECORD")
        guard let bytes = try? FileSystem.read(file) else { return ([], []) }
        var packages: [String] = []
        var finders: [String] = []
        let initSuffix = Array("/__init__.py".utf8)
        let finderPrefix = Array("__editable__".utf8)
        let finderSuffix = Array("_finder.py".utf8)
        bytes.withUnsafeBufferPointer { buffer in
            var lineStart = 0
            while lineStart < buffer.count {
                var end = lineStart
                var slashes = 0
                var firstSlash = -1
                while end < buffer.count, buffer[end] != UInt8(ascii: ","), buffer[end] != UInt8(ascii: "\n") {
                    if buffer[end] == UInt8(ascii: "/") {
                        slashes += 1
                        if firstSlash < 0 { firstSlash = end }
                    }
                    end += 1
                }
                let path = UnsafeBufferPointer(rebasing: buffer[lineStart..<end])
                if slashes == 1, path.count > initSuffix.count, path.suffix(initSuffix.count).elementsEqual(initSuffix),
                    buffer[lineStart] != UInt8(ascii: ".")
                {
                    let name = String(decoding: UnsafeBufferPointer(rebasing: buffer[lineStart..<firstSlash]), as: UTF8.self)
                    if !name.hasSuffix(".dist-info") { packages.append(name) }
                } else if slashes == 0, path.starts(with: finderPrefix), path.suffix(finderSuffix.count).elementsEqual(finderSuffix) {
                    finders.append(String(decoding: path, as: UTF8.self))
                }
                while end < buffer.count, buffer[end] != UInt8(ascii: "\n") { end += 1 }
                lineStart = end + 1
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
