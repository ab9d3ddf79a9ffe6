/* env_table.h - settings for the config loaders from a table instead of the environment:
 * env_table t = {{"NAME", "value", ..., NULL}}; then pass env_table_lookup and &t where a
 * media_env_fn and its user data are wanted. */
#ifndef TESTS_ENV_TABLE_H
#define TESTS_ENV_TABLE_H

#include <string.h>

typedef struct {
    const char *pairs[32]; /* name, value, name, value, ..., NULL */
} env_table;

static inline const char *env_table_lookup(const char *name, void *ud)
{
    env_table *t = ud;
    for (int i = 0; t->pairs[i]; i += 2)
        if (strcmp(t->pairs[i], name) == 0)
            return t->pairs[i + 1];
    return NULL;
}

#endif
