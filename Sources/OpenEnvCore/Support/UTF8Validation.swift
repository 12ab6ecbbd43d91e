/// Whether `bytes` are well-formed UTF-8 (RFC 3629): no overlong forms, no UTF-16 surrogates,
/// nothing above U+10FFFF. RFC 6455 has a client fail the connection on a text message that
/// is not. Written here rather than by building a `String` to check, which would copy every
/// message; ASCII, most of every OpenEnv message, is checked eight bytes at a time.
func isValidUTF8(_ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBufferPointer { isValidUTF8($0) }
}

/// Whether the bytes of `buffer` are well-formed UTF-8 (see the array form).
func isValidUTF8(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
    let count = buffer.count
    var index = 0
    while index < count {
        if index + 8 <= count {
            let word = UnsafeRawPointer(buffer.baseAddress! + index).loadUnaligned(as: UInt64.self)
            if word & 0x8080_8080_8080_8080 == 0 {
                index += 8
                continue
            }
        }
        let lead = buffer[index]
        if lead < 0x80 {
            index += 1
            continue
        }
        // The allowed range of the second byte depends on the lead (RFC 3629, section 4).
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return false
        }
        guard index + length <= count, (low...high).contains(buffer[index + 1]) else { return false }
        for offset in 2..<length where buffer[index + offset] & 0xC0 != 0x80 { return false }
        index += length
    }
    return true
}
