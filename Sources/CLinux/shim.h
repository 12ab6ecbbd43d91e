// Linux system calls that Swift's Glibc module does not bring: epoll, eventfd and timerfd for
// the engine's I/O loops and completion queues, getrandom for WebSocket masks, and the GNU extensions (declared by glibc only
// under _GNU_SOURCE, which the Glibc module is not built with) for child processes and threads.
#ifndef OPENENV_CLINUX_SHIM_H
#define OPENENV_CLINUX_SHIM_H

#include <pthread.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/timerfd.h>

int pipe2(int descriptors[2], int flags);
int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
int pthread_setname_np(pthread_t thread, const char *name);
int pthread_getattr_np(pthread_t thread, pthread_attr_t *attributes);

#endif
