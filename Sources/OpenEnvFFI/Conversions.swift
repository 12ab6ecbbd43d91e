#if canImport(Glibc)
import Glibc
#endif
import OpenEnvCore

/// Runs one exported call: refuses a thread with too little stack left (``CallerStack``),
/// converts a thrown error into its status and the thread's last error message, and a
/// success into `OPENENV_OK`.
func exported(_ body: () throws -> Void) -> Int32 {
    do {
        try CallerStack.requireRoom()
        try body()
        return Status.ok.rawValue
    } catch {
        let failure = FFIError(error)
        LastError.set(failure.message, details: failure.details.serialized())
        return failure.status.rawValue
    }
}

/// A required C string argument as Swift text.
func string(_ pointer: UnsafePointer<CChar>?, named name: String) throws(FFIError) -> String {
    guard let pointer else { throw FFIError(.invalidArgument, "\(name) is NULL; pass a UTF-8 string") }
    guard let text = String(validatingCString: pointer) else {
        throw FFIError(.invalidArgument, "\(name) is not valid UTF-8")
    }
    return text
}

/// An optional JSON argument: NULL or an empty string means `{}`.
func json(_ pointer: UnsafePointer<CChar>?, named name: String) throws(FFIError) -> JSONValue {
    guard let pointer, pointer.pointee != 0 else { return .object(JSONObject()) }
    let text = try string(pointer, named: name)
    do {
        return try JSONParser().parse(text)
    } catch {
        throw FFIError(.invalidArgument, "\(name) is not valid JSON: \(error)")
    }
}

/// Discovery options from an optional JSON argument.
func discoveryOptions(_ pointer: UnsafePointer<CChar>?) throws -> DiscoveryOptions {
    try DiscoveryOptions(json: json(pointer, named: "options_json"))
}

/// Hands `text` to the caller through `out` as a string it frees with `openenv_string_free`.
func give(_ text: String, to out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) throws(FFIError) {
    guard let copy = strdup(text) else { throw FFIError(.internalError, "out of memory") }
    out.pointee = copy
}

/// Hands an answer's UTF-8 bytes (checked when the frame arrived) to the caller through `out`,
/// as `give` does.
func give(_ bytes: [UInt8], to out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) throws(FFIError) {
    guard let copy = cText(bytes) else { throw FFIError(.internalError, "out of memory") }
    out.pointee = copy
}

/// A NUL-terminated copy of UTF-8 bytes that the caller frees with `openenv_string_free`; nil
/// when memory runs out. One copy: going through `String` would copy and check them again.
func cText(_ bytes: [UInt8]) -> UnsafeMutablePointer<CChar>? {
    guard let copy = malloc(bytes.count + 1)?.assumingMemoryBound(to: CChar.self) else { return nil }
    bytes.withUnsafeBytes { source in
        if let base = source.baseAddress { UnsafeMutableRawPointer(copy).copyMemory(from: base, byteCount: source.count) }
    }
    copy[bytes.count] = 0
    return copy
}

/// Checks that an out parameter is not NULL, and clears it so a failed call leaves NULL.
func checkOut<T>(_ out: UnsafeMutablePointer<T?>?, named name: String) throws(FFIError) -> UnsafeMutablePointer<T?> {
    guard let out else { throw FFIError(.invalidArgument, "\(name) is NULL; pass the address of a variable to receive the result") }
    out.pointee = nil
    return out
}

/// Answers a question about a target (an environment name, a Hub name, a URL) under launch
/// options (JSON) with JSON text handed out through `out`.
func launchAnswer(
    _ target: UnsafePointer<CChar>?, named name: String, _ options: UnsafePointer<CChar>?,
    _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, answer: (String, LaunchOptions) throws -> JSONValue
) -> Int32 {
    exported {
        let out = try checkOut(out, named: "out_json")
        let text = try string(target, named: name)
        try give(answer(text, LaunchOptions(json: json(options, named: "options_json"))).serialized(), to: out)
    }
}
