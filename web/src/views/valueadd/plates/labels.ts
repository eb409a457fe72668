/** zh-CN words for the plates' codes. */
export const PLATE_STATES: Record<string, string> = {
  in_stock: '在库', assigned: '已分配业务员', purchased: '保司已采购', distributed: '已分发', bound: '已绑定车辆',
  active: '使用中', paused: '已暂停', lost: '已挂失',
}
export const plateTag = (s: string) => (s === 'active' ? 'success' : s === 'lost' ? 'danger' : s === 'paused' ? 'warning' : 'info')
