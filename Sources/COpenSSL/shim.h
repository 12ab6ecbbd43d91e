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

#endif
