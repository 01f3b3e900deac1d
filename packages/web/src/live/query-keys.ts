import type { TaskFilter } from './lists';

/** The TanStack Query keys of the app, in one place so events update exactly what pages read. */
export const keys = {
  health: ['health'] as const,
  me: ['me'] as const,
  usage: ['me', 'usage'] as const,
  vms: ['vms'] as const,
  vm: (id: string) => ['vm', id] as const,
  vmPart: (id: string, part: string) => ['vm', id, part] as const,
  tasks: (filter: TaskFilter) => ['tasks', filter] as const,
  tasksAll: ['tasks'] as const,
  task: (id: string) => ['task', id] as const,
  images: ['images'] as const,
  users: ['users'] as const,
  tokens: ['tokens'] as const,
  quota: (userId: string) => ['quota', userId] as const,
  audit: (filter: object) => ['audit', filter] as const,
  networks: ['networks'] as const,
};
