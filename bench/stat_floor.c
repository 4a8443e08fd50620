/*
 * The floor under `wol search` at 100,000 entries: one lstat (fstatat relative to the
 * open month folder, as wol's entry cache makes it) of every entry file, on 1 or 2
 * threads, the months shared out in turn as `wol search` shares them. Nothing is read
 * or matched. wol must lstat every file to know that its cached text is still the
 * file's (an edit in place changes nothing but the file's own inode).
 *
 *   cc -O2 -pthread bench/stat_floor.c -o /tmp/stat_floor
 *   cd bench-work/journal-100000 && /tmp/stat_floor 2 $(ls -d entries/????/??)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
typedef struct { char **dirs; int n; char ***names; int *counts; int start, step; } job;
static void *run(void *p) {
  job *j = p; struct stat st; long ok = 0;
  for (int d = j->start; d < j->n; d += j->step) {
    int fd = open(j->dirs[d], O_RDONLY | O_DIRECTORY);
    for (int i = 0; i < j->counts[d]; i++) ok += fstatat(fd, j->names[d][i], &st, AT_SYMLINK_NOFOLLOW) == 0;
    close(fd);
  }
  return (void *)ok;
}
int main(int argc, char **argv) {
  int n = argc - 2; int threads = atoi(argv[1]);
  char **dirs = argv + 2; char ***names = calloc(n, sizeof *names); int *counts = calloc(n, sizeof(int));
  for (int d = 0; d < n; d++) {
    DIR *dir = opendir(dirs[d]); struct dirent *e; int cap = 4096; names[d] = malloc(cap * sizeof(char *));
    while ((e = readdir(dir))) { if (e->d_name[0] == '.') continue; names[d][counts[d]++] = strdup(e->d_name); }
    closedir(dir);
  }
  struct timespec a, b; clock_gettime(CLOCK_MONOTONIC, &a);
  pthread_t t[8]; job j[8]; long total = 0;
  for (int i = 0; i < threads; i++) { j[i] = (job){dirs, n, names, counts, i, threads}; pthread_create(&t[i], 0, run, &j[i]); }
  for (int i = 0; i < threads; i++) { void *r; pthread_join(t[i], &r); total += (long)r; }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%ld stats, %d threads: %.1f ms\n", total, threads, (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6);
}
