/* SPDX-License-Identifier: MIT */
/*
 * The trace file and the writer thread. Every interval the writer appends module-map changes,
 * new sites and a snapshot to a batch, compresses it as one zstd frame and writes it with one
 * write loop. Hooks never do I/O: they only append to the batch (dlclose) or wake the writer.
 */
#ifndef GRW_WRITER_H
#define GRW_WRITER_H

#include <stdint.h>

/* Creates the trace file at the expanded GROWTH_OUTPUT, writes magic, HEADER and MODULES as the
 * first frame and starts the writer thread. Returns 0, or -errno after printing one line
 * (the caller then turns growth off). Call from init (or a fork child's first event) with the
 * guard set. */
int grw_writer_start(void);

/* Set in a fork child that has not started its own trace yet; the recorder calls
 * grw_writer_start_child() on the first event it records. */
extern int grw_writer_pending;
void grw_writer_start_child(void);

/* Before the real dlclose: appends the module map (if it changed) and all pending sites to the
 * batch, so stacks into the library still symbolize. Call with the guard set. */
void grw_writer_before_dlclose(void);

/* At exit: stops recording, has the writer write a final snapshot of every changed site and an
 * END record (reason: enum grw_end_reason), and waits for it (bounded). */
void grw_writer_finish(uint64_t reason);

/* Before an exec in this process (not a vfork child, not a fork child without its own trace):
 * like grw_writer_finish(GRW_END_EXEC). If the exec then fails, recording stays off. */
void grw_writer_before_exec(void);

/* Fork. prepare/parent: the writer's mutex. child: forgets the parent's writer thread and trace
 * file and sets grw_writer_pending when recording is on. */
void grw_writer_lock(void);
void grw_writer_unlock(void);
void grw_writer_child(void);

#endif
