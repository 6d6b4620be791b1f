// Screen "Users" — being built (issue 7); the shell routes here already.

import { Empty } from 'antd';

export function Users(_props: { network: string }) {
  return <Empty description="Users" />;
}
