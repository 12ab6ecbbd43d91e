// libyaml, the C YAML parser behind PyYAML's fast loader, for reading openenv.yaml manifests.
#ifndef OPENENV_CYAML_SHIM_H
#define OPENENV_CYAML_SHIM_H

#include <yaml.h>

#endif
