/** One topic per producing service (`<system>.<service>`); the key is the aggregate id. */
export const topics = {
  order: 'gasstation.order',
  logistics: 'gasstation.logistics',
  station: 'gasstation.station',
  pos: 'gasstation.pos',
} as const;
