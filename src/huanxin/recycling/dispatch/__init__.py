"""The fleet's routing: a pure planner over PyVRP (`plan_routes`) and its independent checker (`check_plan`)."""
