// libFuzzer target for the Python class scanner (bindings/python/tests/test_fuzz.py). Any
// source file an installed package ships must scan to some classes, never a crash.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPythonClasses(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let buffer = UnsafeBufferPointer(start: data, count: size)
    for declaration in PythonClassScanner.classes(in: buffer) {
        guard !declaration.name.isEmpty else { fatalError("a class without a name") }
    }
    _ = PythonClassScanner.relativeImports(in: String(decoding: buffer, as: UTF8.self))
    return 0
}
