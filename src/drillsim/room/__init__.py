"""The drill room in a browser: a wall screen, the controller's page and the players' report form, served by
`drillsim exercise serve` over one DrillBoard (drillsim.room.state, drillsim.room.app)."""
