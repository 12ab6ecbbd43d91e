// The system OpenSSL (Debian's libssl-dev), for TLS on https:// and wss:// servers.
#ifndef OPENENV_COPENSSL_SHIM_H
#define OPENENV_COPENSSL_SHIM_H

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

// SSL_set_tlsext_host_name is a macro, which Swift cannot call.
static inline long openenv_ssl_set_server_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

// SSL_set_mode is a macro too. Non-blocking writes may be partial, and a write retried after
// SSL_ERROR_WANT_WRITE may come from a buffer that has moved.
static inline long openenv_ssl_allow_partial_writes(SSL *ssl) {
    return SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

#endif
