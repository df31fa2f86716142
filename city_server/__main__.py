from city_server.cli import main

raise SystemExit(main())
