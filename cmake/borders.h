/*
 * borders.h - the adapter borders, held by the compiler (issue 24). The build forces this file
 * into every source file of the components (media, ingest, presign) and of the cli
 * (`-include`, CMakeLists.txt). Each third-party library may be included only by its adapter
 * files, which the build marks with MEDIAGATE_ADAPTER_<LIBRARY>; in any other file a function
 * the library's headers declare is poisoned, so including the library there — in any spelling,
 * directly or through another header — fails to compile ("attempt to use poisoned").
 * tests/check_borders.sh proves it for every library and include form.
 *
 *   libcurl   media/http.c (the media_http library: S3, sources, webhooks, OTLP)
 *   libpq     media/db.c
 *   hiredis   media/redis.c
 *   libh2o    presign/server.c
 *   jansson   presign/body.c
 *   OpenSSL   media/hash.c, presign/server.c (TLS)
 */
#ifndef MEDIAGATE_BORDERS_H
#define MEDIAGATE_BORDERS_H

#ifndef MEDIAGATE_ADAPTER_CURL
#pragma GCC poison curl_easy_init
#endif
#ifndef MEDIAGATE_ADAPTER_LIBPQ
#pragma GCC poison PQconnectdb
#endif
#ifndef MEDIAGATE_ADAPTER_HIREDIS
#pragma GCC poison redisConnect
#endif
#ifndef MEDIAGATE_ADAPTER_H2O
#pragma GCC poison h2o_config_init
#endif
#ifndef MEDIAGATE_ADAPTER_JANSSON
#pragma GCC poison json_loads
#endif
#ifndef MEDIAGATE_ADAPTER_OPENSSL
#pragma GCC poison OPENSSL_init_crypto
#endif

#endif
