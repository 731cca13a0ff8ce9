/**
 * Read access to an mlruns tree, wherever it lives: the working directory, or a commit of the
 * tracking branch read from git objects. Paths are POSIX and relative to the mlruns root.
 */
export interface DirEntry {
  name: string;
  isDir: boolean;
  /** Set when the entry cannot be stat'ed (a dangling symlink, a loop): why. Readers skip it. */
  unreadable?: string;
}

export interface TreeReader {
  /** Entries of a directory, or null when it does not exist. */
  list(path: string): Promise<DirEntry[] | null>;
  /** A file's bytes, or null when it does not exist. */
  read(path: string): Promise<Uint8Array | null>;
  /** Size in bytes of a file, or null when it does not exist. */
  size(path: string): Promise<number | null>;
  /** How to name `path` in a message (an absolute path, or `rev:path`). */
  describe(path: string): string;
}
