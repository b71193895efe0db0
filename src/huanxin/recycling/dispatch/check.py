"""`check_plan`: an independent check of a `DispatchPlan` against its `DispatchProblem`.

It trusts nothing the solver or the planner reported: it walks every route again with the problem's own
travel model, leg by leg (`leg`, not the planner's matrices), and compares. It answers Chinese
violation messages, one per fault; an empty list means the plan keeps every hard rule: time windows,
weight and volume (a reload depot empties the vehicle), shift ends and depot hours, every booking
either routed once or reported unserved with a reason, fixed prefixes at the head in order."""

from __future__ import annotations

from collections import Counter

from huanxin.recycling.dispatch.problem import DispatchPlan, DispatchProblem, VehicleRoute


def check_plan(problem: DispatchProblem, plan: DispatchPlan) -> list[str]:
    faults: list[str] = []
    index = {d.id: i for i, d in enumerate(problem.depots)}
    index.update({s.id: len(problem.depots) + k for k, s in enumerate(problem.stops)})
    vehicles = {v.id: v for v in problem.vehicles}
    seen: Counter[str] = Counter()
    total = 0
    for route in plan.routes:
        vehicle = vehicles.get(route.vehicle_id)
        if vehicle is None:
            faults.append(f"车辆 {route.vehicle_id} 不在车队中")
            continue
        total += _route(problem, vehicle.id, route, index, faults)
        seen.update(v.ref for v in route.visits if v.kind == "stop")
        head = tuple(v.ref for v in route.visits[: len(vehicle.fixed)])
        if head != vehicle.fixed:
            faults.append(f"车辆 {vehicle.id} 的已执行站点未按原顺序保留在路线开头")
    if total != plan.total_distance:
        faults.append(f"总里程 {plan.total_distance} 与复算 {total} 不符")
    unserved = Counter(u.stop_id for u in plan.unserved)
    for stop in problem.stops:
        routed, left = seen[stop.id], unserved[stop.id]
        if routed > 1:
            faults.append(f"预约 {stop.id} 被安排了 {routed} 次")
        if routed and left:
            faults.append(f"预约 {stop.id} 既已排入路线又列为未服务")
        if stop.required and not routed and not left:
            faults.append(f"必需预约 {stop.id} 既未排入路线也未列为未服务")
    for u in plan.unserved:
        if not u.reason:
            faults.append(f"未服务预约 {u.stop_id} 没有写明原因")
    known = {s.id for s in problem.stops}
    faults.extend(f"路线中的预约 {sid} 不在问题中" for sid in seen if sid not in known)
    return faults


def _route(
    problem: DispatchProblem, vehicle_id: str, route: VehicleRoute, index: dict[str, int], faults: list[str]
) -> int:
    """Walk one route leg by leg, append its faults, and answer its recomputed distance."""
    vehicle = next(v for v in problem.vehicles if v.id == vehicle_id)
    depots = {d.id: d for d in problem.depots}
    stops = {s.id: s for s in problem.stops}
    points = {d.id: (d.x, d.y) for d in problem.depots} | {s.id: (s.x, s.y) for s in problem.stops}
    home = depots[vehicle.depot_id]
    here, now = home.id, max(vehicle.shift_start, home.opens)
    weight = volume = travelled = 0
    name = f"车辆 {vehicle_id}"
    for visit in route.visits:
        if visit.ref not in points:
            faults.append(f"{name} 的站点 {visit.ref} 不存在")
            return travelled
        metres, seconds = problem.travel.leg(points[here], points[visit.ref], index[here], index[visit.ref])
        travelled += metres
        arrival = now + seconds
        if visit.kind == "reload":
            if visit.ref not in vehicle.reload_depot_ids:
                faults.append(f"{name} 在非其卸货点 {visit.ref} 卸货")
            begin = leave = max(arrival, depots[visit.ref].opens)
            weight = volume = 0
        else:
            stop = stops[visit.ref]
            begin = max(arrival, stop.window_start)
            leave = begin + stop.service
            if arrival > stop.window_end:
                faults.append(f"{name} 到达预约 {stop.id} 晚于时间窗 {arrival - stop.window_end} 秒")
            weight, volume = weight + stop.weight_g, volume + stop.volume_l
            if weight > vehicle.capacity_weight_g:
                faults.append(f"{name} 在预约 {stop.id} 后超出载重 {weight - vehicle.capacity_weight_g} 克")
            if volume > vehicle.capacity_volume_l:
                faults.append(f"{name} 在预约 {stop.id} 后超出容积 {volume - vehicle.capacity_volume_l} 升")
        if (visit.arrival, visit.start, visit.departure) != (arrival, begin, leave):
            faults.append(f"{name} 在 {visit.ref} 的时刻与复算不符")
        if (visit.load_weight_g, visit.load_volume_l) != (weight, volume):
            faults.append(f"{name} 在 {visit.ref} 后的装载与复算不符")
        here, now = visit.ref, leave
    metres, seconds = problem.travel.leg(points[here], points[home.id], index[here], index[home.id])
    travelled += metres
    end = now + seconds
    if end > vehicle.shift_end:
        faults.append(f"{name} 回到场站晚于班次结束 {end - vehicle.shift_end} 秒")
    if end > home.closes:
        faults.append(f"{name} 回到场站晚于场站关闭 {end - home.closes} 秒")
    if travelled != route.distance:
        faults.append(f"{name} 的里程 {route.distance} 与复算 {travelled} 不符")
    return travelled
