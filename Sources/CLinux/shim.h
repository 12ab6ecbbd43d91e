// Linux system calls that Swift's Glibc module does not bring: epoll and eventfd, for the
// engine's I/O loop and completion queues.
#ifndef OPENENV_CLINUX_SHIM_H
#define OPENENV_CLINUX_SHIM_H

#include <sys/epoll.h>
#include <sys/eventfd.h>

#endif
