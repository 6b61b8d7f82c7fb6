/** One topic per producing service (`<system>.<service>`); the key is the aggregate id. */
export const topics = {
  item: 'gdmarket.item',
  reservation: 'gdmarket.reservation',
  payment: 'gdmarket.payment',
} as const;
