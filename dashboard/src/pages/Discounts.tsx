// Screen "Discounts" — being built (issue 7); the shell routes here already.

import { Empty } from 'antd';

export function Discounts(_props: { network: string }) {
  return <Empty description="Discounts" />;
}
